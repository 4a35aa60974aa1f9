import { z } from 'zod';

/** A webhook's raw text parsed as JSON, or an issue saying it is not JSON; pipe it into the provider's schema. */
export const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return z.NEVER;
  }
});
