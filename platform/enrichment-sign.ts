import { createHash, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { OrgSettings } from '../db/tables/org.table';
import type { SecretBox } from './secrets';

/** The field name a sealed enrichment secret is bound to. */
export const ENRICHMENT_SECRET_FIELD = 'enrichmentSecret';

export const newEnrichmentSecret = () => `ensec_${randomBytes(24).toString('base64url')}`;

/** A public name for a secret, sent as the token's `kid`, so a receiver holding two secrets knows which to try. */
export const enrichmentKeyId = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 12);

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
    keyid: enrichmentKeyId(secret),
  });
}

/**
 * The settings with a rotated-in secret promoted once its time has come. A rotation is staged so the receiver can
 * accept the new secret before Parley signs with it: no GET is ever refused during a planned rotation.
 */
export function settledSecrets(settings: OrgSettings, now: Date): OrgSettings {
  const next = settings.enrichmentNextSecret;
  if (!next || Date.parse(next.from) > now.getTime()) return settings;
  const { enrichmentNextSecret: _done, ...rest } = settings;
  return { ...rest, enrichmentSecret: next.sealed };
}

/** The secret to sign with at `now`, opened; undefined when the org has none. */
export function signingSecret(settings: OrgSettings, secrets: SecretBox, now: Date): string | undefined {
  const sealed = settledSecrets(settings, now).enrichmentSecret;
  return sealed ? secrets.open(ENRICHMENT_SECRET_FIELD, sealed) : undefined;
}
