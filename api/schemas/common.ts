import { z } from 'zod';

/** An RFC 9457 problem, as every error is answered (application/problem+json). */
export const problem = z.object({
  type: z.string().describe('always about:blank: the status and title say what happened'),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string().optional(),
  errors: z
    .array(z.object({ field: z.string().describe('the failing field, as a path such as contacts[2].address'), message: z.string() }))
    .optional()
    .describe('one entry per failing field (400, 422)'),
});

export const health = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['ok', 'down']),
  temporal: z.enum(['ok', 'down']),
});

/** An answer the document does not describe field by field yet: an object, with the fields the summary names. */
export const someObject = z.looseObject({});

/** Dates leave as ISO 8601 strings, as JSON.stringify writes them; the view schemas say so. */
export const iso = <T extends Date | null>(d: T): T extends Date ? string : null => (d?.toISOString() ?? null) as never;
