import { createHash, createHmac, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The field name a sealed endpoint secret is bound to. */
export const WEBHOOK_SECRET_FIELD = 'webhookSecret';

/** A signing secret in the Standard Webhooks form: `whsec_` and 24 random bytes, base64. */
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const JWT_LIFETIME_S = 5 * 60;

/** One `v1,<base64 HMAC-SHA256 of id.timestamp.body>` per secret, keyed by the secret's decoded bytes. */
export function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The headers that sign one delivery: Standard Webhooks (`webhook-*`, signed with every live secret, so
 * a receiver that still holds the rotated-out one verifies during the overlap) and a JWT, HS256 with the
 * current secret (its UTF-8 string as the key), bound to the URL and the body by `aud` and `body_sha256`.
 */
export function signatureHeaders(opts: {
  url: string;
  eventId: string;
  body: string;
  secrets: string[];
  now: Date;
}): Record<string, string> {
  const timestamp = Math.floor(opts.now.getTime() / 1000);
  const token = jwt.sign(
    { iat: timestamp, exp: timestamp + JWT_LIFETIME_S, body_sha256: createHash('sha256').update(opts.body).digest('hex') },
    opts.secrets[0],
    { algorithm: 'HS256', issuer: 'parley', audience: opts.url, jwtid: opts.eventId },
  );
  return {
    authorization: `Bearer ${token}`,
    'webhook-id': opts.eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': opts.secrets.map((s) => standardSignature(s, opts.eventId, timestamp, opts.body)).join(' '),
  };
}
