import { z } from 'zod';
import { DSR_TYPES } from '../../db/tables/data-subject-request.table';

const when = z.iso.datetime({ offset: true });

/** One data-subject request as the API shows it: ids and lifecycle only, never the identity. */
export const dsrView = z.object({
  id: z.uuid(),
  type: z.enum(DSR_TYPES),
  status: z.enum(['pending', 'in_progress', 'completed', 'failed', 'cancelled']),
  contactId: z.uuid().nullable(),
  error: z.string().nullable(),
  bundleAvailable: z.boolean().describe('access and portability: GET …/bundle serves the zip'),
  createdAt: when,
  expectedCompletionBy: when,
  startedAt: when.nullable(),
  finishedAt: when.nullable(),
});

/** What POST answers: with a callbackUrl, the secret that signs its callbacks, shown once. */
export const dsrCreated = dsrView.extend({
  callbackSecret: z.string().optional().describe('Standard Webhooks secret (whsec_…) of the status callbacks'),
});

export const dsrList = z.object({ requests: z.array(dsrView) });
