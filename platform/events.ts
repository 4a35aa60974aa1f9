import { DSR_TYPES } from '../db/tables/data-subject-request.table';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../db/events';
import type { EventTable } from '../db/tables/event.table';

const id = z.uuid();
const maybeId = id.nullable();

/** What every conversation's event names. */
const conversation = {
  conversationId: id,
  campaignId: maybeId,
  contactId: id,
  channelId: id,
  journeyId: id,
  journeyVersion: z.int().positive(),
};

const message = {
  messageId: id,
  conversationId: maybeId,
  campaignId: maybeId,
  contactId: maybeId,
  channelId: id,
  author: z.enum(['bot', 'agent', 'api', 'contact']),
  text: z.string(),
  step: z.string().nullable(),
  status: z.string(),
  providerMessageId: z.string().nullable(),
};

const progress = z.object({
  pending: z.int(),
  started: z.int(),
  sent: z.int(),
  delivered: z.int(),
  replied: z.int(),
  completed: z.int(),
  failed: z.int(),
  optedOut: z.int(),
  skipped: z.int(),
});

/** The `data` of each event type, as the org's systems receive it. */
export const EVENT_DATA = {
  conversationStarted: z.object({ ...conversation, step: z.string().nullable() }),
  messageSend: z.object({ ...message, direction: z.literal('out') }),
  inboundMessage: z.object({
    ...message,
    direction: z.literal('in'),
    author: z.literal('contact'),
    // -1 (very negative) to 1 (very positive); null when it was not read.
    sentiment: z.number().min(-1).max(1).nullable().optional(),
  }),
  messageStatusUpdate: z.object({
    messageId: id,
    conversationId: maybeId,
    contactId: maybeId,
    channelId: id,
    status: z.enum(['sent', 'delivered', 'read', 'failed']),
    statusAt: z.iso.datetime({ offset: true }).nullable(),
    providerMessageId: z.string().nullable(),
    error: z.string().nullable().optional(),
    errorCode: z.string().nullable().optional(),
  }),
  outcomeSet: z.object({ ...conversation, outcome: z.string(), step: z.string().nullable() }),
  noteAdded: z.object({ ...conversation, note: z.string() }),
  handoffRequested: z.object({ ...conversation, step: z.string().nullable() }),
  conversationEnded: z.object({
    ...conversation,
    status: z.enum(['ended', 'cancelled', 'skipped']),
    outcome: z.string().nullable(),
    step: z.string().nullable(),
  }),
  campaignStarted: z.object({ campaignId: id, status: z.literal('running') }),
  campaignCompleted: z.object({
    campaignId: id,
    status: z.literal('completed'),
    progress,
    outcomes: z.record(z.string(), z.int()),
  }),
  contactOptedOut: z.object({ contactId: id, channelId: id, source: z.string(), messageId: maybeId }),
  dataSubjectRequestCompleted: z.object({
    requestId: id,
    contactId: maybeId,
    type: z.enum(DSR_TYPES),
    status: z.enum(['completed', 'failed']),
  }),
} satisfies Record<EventType, z.ZodType>;

/** What a webhook receives: one event. `sequence` orders a conversation's (else a campaign's) events. */
export const eventEnvelopeSchema = z.object({
  id,
  type: z.enum(EVENT_TYPES),
  orgId: id,
  occurredAt: z.iso.datetime({ offset: true }),
  sequence: z.int().nonnegative(),
  data: z.record(z.string(), z.unknown()),
});

export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

type EventRow = Pick<Selectable<EventTable>, 'id' | 'type' | 'org_id' | 'sequence' | 'occurred_at' | 'data'>;

/** An `events` row as it goes on the wire. */
export function eventEnvelope(row: EventRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type as EventType,
    orgId: row.org_id,
    occurredAt: row.occurred_at.toISOString(),
    sequence: row.sequence,
    data: row.data,
  };
}

/** Every event type's JSON Schema, the envelope's with its `data` narrowed to the type's. */
export function eventJsonSchemas(): Record<EventType, unknown> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      z.toJSONSchema(eventEnvelopeSchema.extend({ type: z.literal(type), data: EVENT_DATA[type] }), { target: 'draft-2020-12' }),
    ]),
  ) as Record<EventType, unknown>;
}
