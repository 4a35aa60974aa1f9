import { z } from 'zod';

/** A channel as shown: its config without secrets. */
export const channelView = z.object({
  id: z.uuid(),
  kind: z.enum(['sandbox', 'twilio', 'whatsapp', 'messenger', 'webchat']),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  capabilities: z.object({ confirmsStop: z.boolean(), sessionWindowHours: z.number().nullable(), defaultRatePerSecond: z.number() }),
  webhookPath: z.string().nullable(),
  chatPath: z.string().optional(),
  createdAt: z.iso.datetime({ offset: true }),
});
export const channelList = z.object({ channels: z.array(channelView) });
