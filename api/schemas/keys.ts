import { z } from 'zod';
import { ROLES } from '../roles';

const when = z.iso.datetime({ offset: true });

/** One API key as listed: never the key itself. */
export const keyView = z.object({
  id: z.uuid(),
  prefix: z.string().describe('pk_ and the key prefix, to recognise a key'),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: when,
  lastUsedAt: when.nullable(),
});

/** What GET /v1/keys answers. */
export const keyList = z.object({ keys: z.array(keyView) });

/** What POST /v1/keys answers: the key is in this answer only. */
export const keyCreated = keyView.omit({ lastUsedAt: true }).extend({ key: z.string() });
