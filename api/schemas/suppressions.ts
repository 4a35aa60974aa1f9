import { z } from 'zod';

/** One suppression as listed: a prefix of its keyed hash, never the address. */
export const suppressionView = z.object({
  id: z.string(),
  hashPrefix: z.string().describe('the first 12 hex digits of the keyed hash of the address'),
  channelKind: z.string().nullable().describe('null: every channel kind'),
  reason: z.string().nullable(),
  createdAt: z.iso.datetime({ offset: true }),
});

/** What GET /v1/suppressions answers: a page, newest first; `next` is the `before` of the next page. */
export const suppressionList = z.object({ suppressions: z.array(suppressionView), next: z.string().nullable() });

/** What POST /v1/suppressions answers. */
export const suppressionsAdded = z.object({ added: z.number().int(), alreadySuppressed: z.number().int() });

/** What DELETE /v1/suppressions answers. */
export const suppressionLifted = z.object({ lifted: z.number().int() });
