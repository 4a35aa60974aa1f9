import { EVENT_TYPES, type EventType } from '../../../db/events';
import { EVENT_DATA, eventEnvelope, eventEnvelopeSchema, eventJsonSchemas } from '../../../platform/events';

const ID = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
const conversation = { conversationId: ID, campaignId: ID, contactId: ID, channelId: ID, journeyId: ID, journeyVersion: 1 };
const message = {
  messageId: ID,
  conversationId: ID,
  campaignId: null,
  contactId: ID,
  channelId: ID,
  step: 'hello',
  providerMessageId: null,
};
const progress = { pending: 0, started: 2, sent: 2, delivered: 1, replied: 1, completed: 2, failed: 0, optedOut: 0, skipped: 0 };

/** One plausible `data` per event type, as the repository layer writes it. */
const SAMPLES: Record<EventType, Record<string, unknown>> = {
  conversationStarted: { ...conversation, step: null },
  messageSend: { ...message, direction: 'out', author: 'bot', text: 'Hi', status: 'pending' },
  inboundMessage: { ...message, direction: 'in', author: 'contact', text: 'Yes', status: 'received', step: null },
  messageStatusUpdate: {
    messageId: ID,
    conversationId: ID,
    contactId: ID,
    channelId: ID,
    status: 'failed',
    statusAt: '2026-12-07T03:00:00.000Z',
    providerMessageId: 'sbx_1',
    error: 'unreachable',
    errorCode: '30003',
  },
  outcomeSet: { ...conversation, outcome: 'Paid', step: 'pay' },
  noteAdded: { ...conversation, note: 'Called back' },
  handoffRequested: { ...conversation, step: 'agent' },
  conversationEnded: { ...conversation, status: 'ended', outcome: 'Paid', step: 'end' },
  campaignStarted: { campaignId: ID, status: 'running' },
  campaignCompleted: { campaignId: ID, status: 'completed', progress, outcomes: { Paid: 2 } },
  contactOptedOut: { contactId: ID, channelId: ID, source: 'keyword', messageId: ID },
  dataSubjectRequestCompleted: { requestId: ID, contactId: ID, type: 'erasure', status: 'completed' },
};

describe('event schemas', () => {
  it.each(EVENT_TYPES)('when a %s sample is checked, then it fits its schema, and one missing an id does not', (type) => {
    expect(EVENT_DATA[type].safeParse(SAMPLES[type]).error).toBeUndefined();
    const key = Object.keys(SAMPLES[type]).find((k) => k.endsWith('Id'))!;
    expect(EVENT_DATA[type].safeParse({ ...SAMPLES[type], [key]: 'not-an-id' }).success).toBe(false);
  });

  it('when an events row becomes an envelope, then it has the wire fields and fits the envelope schema', () => {
    const row = {
      id: ID,
      type: 'noteAdded',
      org_id: ID,
      sequence: 3,
      occurred_at: new Date('2026-12-07T03:00:00Z'),
      data: SAMPLES.noteAdded,
    };
    const envelope = eventEnvelope(row);
    expect(envelope).toEqual({
      id: ID,
      type: 'noteAdded',
      orgId: ID,
      occurredAt: '2026-12-07T03:00:00.000Z',
      sequence: 3,
      data: SAMPLES.noteAdded,
    });
    expect(eventEnvelopeSchema.parse(envelope)).toEqual(envelope);
    expect(eventEnvelopeSchema.safeParse({ ...envelope, type: 'somethingElse' }).success).toBe(false);
  });

  it('when the JSON Schemas are built, then each type has one, naming its type and its data fields', () => {
    const schemas = eventJsonSchemas() as Record<string, any>;
    expect(Object.keys(schemas).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      expect(schemas[type].properties.type).toEqual({ type: 'string', const: type });
      expect(schemas[type].required).toEqual(['id', 'type', 'orgId', 'occurredAt', 'sequence', 'data']);
      expect(Object.keys(schemas[type].properties.data.properties).sort()).toEqual(Object.keys(EVENT_DATA[type].shape).sort());
    }
  });
});
