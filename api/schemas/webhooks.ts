import { z } from 'zod';

const at = z.iso.datetime({ offset: true });

/** One webhook endpoint as shown: never its secret. */
export const endpointView = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.string()),
  ordered: z.boolean(),
  status: z.enum(['active', 'paused', 'disabled']),
  disabledReason: z.string().optional(),
  failingSince: at.nullable(),
  createdAt: at,
  notices: z.array(z.object({ type: z.enum(['endpointDisabled']), reason: z.string(), at })).optional(),
});

export const endpointList = z.object({ endpoints: z.array(endpointView) });
export const endpointCreated = endpointView.extend({ secret: z.string().describe('shown in this answer only') });
export const secretRotated = z.object({ id: z.uuid(), secret: z.string(), previousSecretValidUntil: at });
export const deliveryPage = z.object({
  deliveries: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      attempt: z.int(),
      status: z.enum(['delivered', 'failed']),
      latencyMs: z.number(),
      responseStatus: z.int().nullable(),
      responseBody: z.string().nullable(),
      error: z.string().nullable(),
      at,
    }),
  ),
  next: z.string().nullable().describe('pass as ?after for the next page; null on the last'),
});
export const replayed = z.object({ replayed: z.int().nonnegative() });
export const eventSchemas = z.record(z.string(), z.looseObject({})).describe('A JSON Schema per event type');
