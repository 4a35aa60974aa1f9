import { createHmac } from 'node:crypto';

export type DsrIdentity = { phone: string } | { customerRef: string } | { contactId: string };

/** Which request types are implemented. */
export const SUPPORTED_DSR_TYPES: ReadonlySet<string> = new Set([
  'access',
  'portability',
  'rectification',
  'erasure',
  'restriction',
  'liftRestriction',
  'objection',
]);

/** A keyed hash of the identity as given, so a request row never holds the phone or reference in plaintext. */
export function identityHash(hashKey: Buffer, orgId: string, identity: DsrIdentity): string {
  const [kind, value] = Object.entries(identity)[0] as [string, string];
  return createHmac('sha256', hashKey).update(`${orgId}\n${kind}\n${value}`).digest('base64url');
}

/**
 * The Standard Webhooks secret that signs a request's status callbacks: derived from the platform key
 * and the request id, so it is never stored, and shown to the caller once, in the 201.
 */
export function callbackSecret(hashKey: Buffer, requestId: string): string {
  const bytes = createHmac('sha256', hashKey).update(`dsr-callback\n${requestId}`).digest().subarray(0, 24);
  return `whsec_${bytes.toString('base64')}`;
}
