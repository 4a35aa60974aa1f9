import { z } from 'zod';

const counts = z.record(z.string(), z.int().nonnegative());

/** What GET /v1/campaigns/{id} answers; the handler's answer is typed by it, so the document cannot drift. */
export const campaignView = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(['importing', 'created', 'scheduled', 'running', 'paused', 'completed', 'cancelled']),
  journeyId: z.uuid(),
  journeyVersion: z.int(),
  channelId: z.uuid(),
  total: z.int().nonnegative(),
  counts: counts.describe('Members by conversation status'),
  progress: z.object({
    pending: z.int(),
    started: z.int(),
    sent: z.int(),
    delivered: z.int(),
    replied: z.int(),
    completed: z.int(),
    failed: z.int(),
    optedOut: z.int(),
    skipped: z.int(),
  }),
  outcomes: counts.describe('Ended conversations by outcome'),
  startAt: z.iso.datetime({ offset: true }).nullable(),
  ratePerMinute: z.int().nullable(),
  sendWindow: z.object({ from: z.string(), to: z.string(), days: z.array(z.int().min(1).max(7)).optional() }).nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  completedAt: z.iso.datetime({ offset: true }).nullable(),
  workflowId: z.string(),
  import: z
    .object({
      status: z.enum(['importing', 'done', 'failed']),
      rowsRead: z.int(),
      counts: z.object({ total: z.int(), accepted: z.int(), rejected: z.int(), duplicates: z.int() }).optional(),
      rejectedBy: counts.optional(),
      error: z.string().optional(),
    })
    .optional(),
});
export type CampaignView = z.infer<typeof campaignView>;

export const campaignCreated = campaignView.extend({
  duplicatesSkipped: z.int().nonnegative().optional().describe('JSON contacts: repeated addresses left out'),
  rejectedBy: counts
    .optional()
    .describe('a contacts file: rejected rows by reason; `counts` then holds total, accepted, rejected and duplicates'),
});
export type CampaignCreated = z.infer<typeof campaignCreated>;

export const campaignControlled = campaignView.extend({
  requested: z.enum(['pause', 'resume', 'cancel']),
  endRunning: z.boolean().optional(),
});
export type CampaignControlled = z.infer<typeof campaignControlled>;

/** What POST /v1/campaigns/{id}/contacts answers. */
export const membersAdded = z.object({
  id: z.uuid(),
  added: z.int().nonnegative(),
  duplicatesSkipped: z.int().nonnegative().describe('repeated in the body, or members already'),
  suppressedSkipped: z.int().nonnegative().describe('on the suppression list: never made contacts'),
  total: z.int().nonnegative(),
});
export type MembersAdded = z.infer<typeof membersAdded>;

const score = z.number().min(0).max(1);

/** The campaign's live conversations by outcome-propensity score. */
export const campaignPropensity = z.object({
  targetOutcome: z.string().nullable().describe("The journey's targetOutcome, whose likelihood the scores estimate"),
  model: z
    .object({
      id: z.uuid(),
      trainedAt: z.iso.datetime({ offset: true }),
      auc: z.number().nullable().describe('On the ended conversations held out of training'),
      nTrain: z.int(),
      nTest: z.int(),
    })
    .nullable(),
  reason: z.string().nullable().describe('Why there is no model, e.g. "needs 200 ended conversations, has 37"'),
  live: z.int().nonnegative().describe('Live conversations (pending, active, handoff)'),
  scored: z.int().nonnegative().describe('Live conversations with a stored score'),
  buckets: z
    .array(z.object({ from: score, to: score, count: z.int().nonnegative() }))
    .describe('Scored live conversations in ten equal bands'),
  quantiles: z.object({ p10: score, p25: score, p50: score, p75: score, p90: score }).nullable(),
});
export type CampaignPropensity = z.infer<typeof campaignPropensity>;

/** What GET /v1/campaigns/{id} answers: the view, with the distribution of its live conversations' scores. */
export const campaignDetail = campaignView.extend({ propensity: campaignPropensity });
export type CampaignDetail = z.infer<typeof campaignDetail>;

/** What GET /v1/campaigns/{id}/priorities answers. */
export const campaignPriorities = z.object({
  campaignId: z.uuid(),
  reason: z.string().nullable().describe('Why the list is empty for want of a model'),
  conversations: z.array(
    z.object({
      id: z.uuid(),
      contactId: z.uuid(),
      status: z.enum(['pending', 'active', 'handoff']),
      step: z.string().nullable(),
      propensity: score,
      modelId: z.uuid().nullable(),
    }),
  ),
});
export type CampaignPriorities = z.infer<typeof campaignPriorities>;
