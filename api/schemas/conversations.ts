import { z } from 'zod';

const at = z.iso.datetime({ offset: true });
const messageStatus = z.enum(['received', 'pending', 'sent', 'delivered', 'read', 'failed']);
const conversationStatus = z.enum(['pending', 'active', 'handoff', 'ended', 'skipped', 'cancelled']);

/** What GET /v1/conversations/{id}/transcript answers as JSON. */
export const transcriptView = z.object({
  conversationId: z.uuid(),
  status: z.string(),
  outcome: z.string().nullable(),
  messages: z.array(
    z.object({
      id: z.uuid(),
      direction: z.enum(['in', 'out']),
      author: z.enum(['contact', 'bot', 'agent', 'api']),
      text: z.string(),
      status: messageStatus,
      statusAt: at.nullable(),
      step: z.string().nullable(),
      error: z.string().nullable(),
      errorCode: z.string().nullable(),
      /** An inbound message's sentiment, -1 (very negative) to 1 (very positive). */
      sentiment: z.number().min(-1).max(1).nullable(),
      /** The best intent of the step that read an inbound message, and its probability. */
      intent: z.string().nullable(),
      intentScore: z.number().min(0).max(1).nullable(),
      createdAt: at,
      updatedAt: at,
    }),
  ),
});
export type TranscriptView = z.infer<typeof transcriptView>;

/** What POST /v1/conversations answers: the conversation row. */
export const conversationView = z.object({
  id: z.uuid(),
  status: conversationStatus,
  outcome: z.string().nullable(),
  step: z.string().nullable(),
  notes: z.array(z.string()),
  campaignId: z.uuid().nullable(),
  contactId: z.uuid(),
  channelId: z.uuid(),
  journeyId: z.uuid(),
  journeyVersion: z.int(),
  workflowId: z.string(),
  createdAt: at,
  startedAt: at.nullable(),
  endedAt: at.nullable(),
});

/** What GET /v1/conversations/{id} answers: the row, the workflow's own view while it runs, each outbound delivery. */
export const conversationDetail = conversationView.extend({
  live: z.looseObject({}).optional().describe("The running workflow's state query; absent once it has ended or when it does not answer"),
  outbound: z.array(
    z.object({
      id: z.uuid(),
      step: z.string().nullable(),
      status: messageStatus,
      statusAt: at.nullable(),
      error: z.string().nullable(),
      errorCode: z.string().nullable(),
    }),
  ),
  propensity: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe(
      "Estimated probability that the conversation reaches its journey's targetOutcome: computed from the messages so far while it is live, its last score once ended",
    ),
  propensityReason: z.string().nullable().describe('Why there is no score, e.g. "needs 200 ended conversations, has 37"'),
  propensityModelId: z.uuid().nullable().describe('The model that gave the score'),
});

export const messageSent = z.object({ messageId: z.string(), conversationId: z.uuid() });
export const outcomeSet = z.object({ id: z.uuid(), outcome: z.string() });
export const noteAdded = z.object({ id: z.uuid(), notes: z.array(z.string()) });
export const agentRequested = z.object({ id: z.uuid(), requested: z.enum(['handoff', 'handback', 'close']) });
