import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../db/events';

/** Until each event type has its own `data` schema, any object. */
export const genericEventData: Record<EventType, z.ZodType> = Object.fromEntries(EVENT_TYPES.map((t) => [t, z.looseObject({})])) as never;

const signingHeaders = {
  'webhook-id': { description: 'The event id; the same on every retry, so a receiver can drop duplicates', schema: { type: 'string' } },
  'webhook-timestamp': { description: 'Unix seconds when this attempt was signed', schema: { type: 'string', pattern: '^[0-9]+$' } },
  'webhook-signature': {
    description: 'Standard Webhooks signature: `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`',
    schema: { type: 'string' },
  },
};

/** The OpenAPI 3.1 `webhooks` section: one entry per event type, the envelope around that type's `data` schema. */
export function webhooksSection(data: Record<EventType, z.ZodType>) {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => {
      const envelope = z.object({
        id: z.uuid(),
        type: z.literal(type),
        orgId: z.uuid(),
        occurredAt: z.iso.datetime({ offset: true }),
        sequence: z.int().nonnegative().describe('In commit order within the conversation or campaign'),
        data: data[type],
      });
      return [
        type,
        {
          post: {
            operationId: `${type}Event`,
            summary: `The ${type} event, POSTed to each subscribed endpoint`,
            security: [],
            parameters: Object.entries(signingHeaders).map(([name, h]) => ({ name, in: 'header', required: true, ...h })),
            requestBody: {
              required: true,
              content: { 'application/json': { schema: z.toJSONSchema(envelope, { io: 'output', unrepresentable: 'any' }) } },
            },
            responses: {
              '200': { description: 'Received; any 2xx counts, anything else is retried' },
              '400': { description: 'The receiver refused it (bad signature); it is retried, then given up' },
            },
          },
        },
      ];
    }),
  );
}
