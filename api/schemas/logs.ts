import { z } from 'zod';

const at = z.iso.datetime({ offset: true });

export const requestLogPage = z.object({
  requests: z.array(
    z.object({
      id: z.int(),
      at,
      keyPrefix: z.string(),
      method: z.string(),
      route: z.string(),
      status: z.int(),
      latencyMs: z.number(),
    }),
  ),
});

export const auditLogPage = z.object({
  entries: z.array(
    z.object({
      id: z.int(),
      at,
      actor: z.string(),
      actorKeyId: z.string().nullable(),
      ip: z.string().nullable(),
      action: z.string(),
      target: z.string().nullable(),
      result: z.string(),
    }),
  ),
});
