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
