import { z } from 'zod';

/** What the sandbox inbound route answers: where the message went (200 for a duplicate). */
export const inboundRouted = z.object({ messageId: z.uuid(), conversationId: z.uuid().nullable(), duplicate: z.boolean() });
export const outboxPage = z.object({
  messages: z.array(
    z.object({
      seq: z.int(),
      to: z.string(),
      text: z.string(),
      providerMessageId: z.string(),
      createdAt: z.iso.datetime({ offset: true }),
    }),
  ),
});
/** What a provider webhook answers when the provider takes JSON rather than its own acknowledgement. */
export const hookReceived = z.object({
  messages: z.array(z.object({ messageId: z.uuid(), duplicate: z.boolean() })),
  statusesApplied: z.int().nonnegative(),
});
export const webchatAccepted = z.object({ duplicate: z.boolean() });
const payload = z.object({ metadata: z.record(z.string(), z.string()), data: z.string() }).describe('base64');
export const payloads = z.object({ payloads: z.array(payload) });
