import { z } from 'zod';

export interface ContactLimits {
  MAX_CONTACT_FIELDS: number;
  MAX_FIELD_CHARS: number;
}

/** A contact in a request body: an address on the channel and at most `MAX_CONTACT_FIELDS` fields. */
export const contactSchema = ({ MAX_CONTACT_FIELDS: maxFields, MAX_FIELD_CHARS: maxChars }: ContactLimits) =>
  z.strictObject({
    address: z.string().min(1).max(256),
    fields: z
      .record(
        z.string().min(1).max(100),
        z.union([z.string().max(maxChars, `at most ${maxChars} characters`), z.number(), z.boolean(), z.null()]),
      )
      .refine((f) => Object.keys(f).length <= maxFields, `at most ${maxFields} fields`)
      .optional(),
  });
