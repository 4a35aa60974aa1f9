import { z } from 'zod';

/** What GET and PATCH /v1/org answer: the name and the settings, those never set absent. */
export const orgView = z.object({
  id: z.uuid(),
  name: z.string(),
  defaultCountry: z.string(),
  timeZone: z.string(),
  locale: z.string(),
  currency: z.string(),
  outcomes: z.array(z.string()),
  sendWindow: z.object({ days: z.array(z.int()).optional(), start: z.string(), end: z.string() }).optional(),
  inboundJourneyId: z.string().optional(),
  enrichmentUrl: z.string().optional(),
  requestLogDays: z.int().optional(),
  dataRegion: z.string().describe('where the organisation’s data lives; never changed by a PATCH'),
  retention: z
    .object({
      conversationsDays: z.int().optional(),
      inactiveContactsDays: z.int().optional(),
      webhookDeliveriesDays: z.int().optional(),
      dsrBundlesDays: z.int().optional(),
    })
    .optional(),
  enrichmentSecret: z.string().optional().describe('the enrichment signing secret: in the PATCH answer that set a new enrichmentUrl, only'),
});

/** What POST /v1/org/enrichment-secret/rotate answers: the new secret, shown this once. */
export const enrichmentSecretRotated = z.object({
  secret: z.string(),
  keyId: z.string().describe('the `kid` header of tokens signed with this secret'),
  activatesAt: z.iso.datetime({ offset: true }).describe('tokens are signed with the new secret from then on'),
});

/** What POST /v1/org/offboard answers: the org's data is crypto-shredded and its keys revoked. */
export const orgOffboarded = z.object({
  orgId: z.uuid(),
  workflowsEnded: z.int().nonnegative().describe('live conversations and campaigns terminated and marked cancelled'),
  dataKeysDestroyed: z.int().nonnegative().describe('data keys whose bytes were deleted: what they sealed never opens again'),
  apiKeysRevoked: z.int().nonnegative(),
  offboardedAt: z.iso.datetime({ offset: true }),
});

/** What POST /v1/auth/token answers. */
export const tokenIssued = z.object({ token: z.string(), expiresIn: z.int().positive().describe('seconds') });
