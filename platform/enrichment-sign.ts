import { randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The field name a sealed enrichment secret is bound to. */
export const ENRICHMENT_SECRET_FIELD = 'enrichmentSecret';

export const newEnrichmentSecret = () => `ensec_${randomBytes(24).toString('base64url')}`;

const JWT_LIFETIME_S = 5 * 60;

/**
 * A bearer token for one enrichment GET: HS256 with the org's secret, bound to the configured endpoint URL by
 * `aud`; a fresh `jti` each time so a receiver can refuse a replayed token.
 */
export function enrichmentToken(secret: string, endpointUrl: string, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000);
  return jwt.sign({ iat, exp: iat + JWT_LIFETIME_S }, secret, {
    algorithm: 'HS256',
    issuer: 'parley',
    audience: endpointUrl,
    jwtid: randomUUID(),
  });
}
