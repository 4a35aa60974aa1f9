import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database';
import { liveKeyByPrefix } from '../db/keys';
import type { Role } from '../db/tables/api-key.table';

/** A new API key: shown once; only its prefix and hash are stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `pk_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix, hash: hashKey(key) };
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** The org, key id and role behind a presented key, or undefined. */
export async function resolveApiKey(
  db: Db,
  key: string,
): Promise<{ orgId: string; keyId: string; keyPrefix: string; role: Role } | undefined> {
  const match = /^pk_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(key);
  if (!match) return undefined;
  const row = await liveKeyByPrefix(db, match[1]);
  if (!row) return undefined;
  const ok = timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hashKey(key), 'hex'));
  return ok ? { orgId: row.org_id, keyId: row.id, keyPrefix: `pk_${row.prefix}`, role: row.role } : undefined;
}
