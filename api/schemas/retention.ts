import { z } from 'zod';

/** What the legal-hold routes answer. */
export const legalHoldView = z.object({ id: z.uuid(), legalHold: z.boolean() });
