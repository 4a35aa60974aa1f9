import { createHmac } from 'node:crypto';

export type DsrIdentity = { phone: string } | { customerRef: string } | { contactId: string };

/** Which request types are implemented; the others answer 422 naming `type`. */
export const SUPPORTED_DSR_TYPES: ReadonlySet<string> = new Set(['access', 'portability', 'rectification']);

/** A keyed hash of the identity as given, so a request row never holds the phone or reference in plaintext. */
export function identityHash(hashKey: Buffer, orgId: string, identity: DsrIdentity): string {
  const [kind, value] = Object.entries(identity)[0] as [string, string];
  return createHmac('sha256', hashKey).update(`${orgId}\n${kind}\n${value}`).digest('base64url');
}
