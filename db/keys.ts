import { sql } from 'kysely';
import type { Db } from './database';
import type { Role } from './tables/api-key.table';

export async function insertApiKey(
  db: Db,
  key: { orgId: string; prefix: string; hash: string; name: string; role?: Role },
): Promise<{ id: string; created_at: Date }> {
  return db
    .insertInto('api_keys')
    .values({ org_id: key.orgId, prefix: key.prefix, hash: key.hash, name: key.name, role: key.role })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** The live key with this prefix, if any; the caller compares the hash. */
export async function liveKeyByPrefix(db: Db, prefix: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'org_id', 'hash', 'role', 'prefix'])
    .where('prefix', '=', prefix)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** The org of the key with this prefix, revoked or not: a failed authentication is shown to the org it names. */
export async function orgOfKeyPrefix(db: Db, prefix: string): Promise<string | undefined> {
  const row = await db.selectFrom('api_keys').select('org_id').where('prefix', '=', prefix).executeTakeFirst();
  return row?.org_id;
}

/** Whether the key exists, belongs to the org and is not revoked. */
export async function keyIsLive(db: Db, orgId: string, keyId: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('id', '=', keyId)
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return !!row;
}

/** An org's live keys, without their hashes. */
export async function listApiKeys(db: Db, orgId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'prefix', 'name', 'role', 'created_at', 'last_used_at'])
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Notes a key's use, at most once a minute whatever the traffic. */
export async function touchApiKey(db: Db, keyId: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql`now()` })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}

export type RevokeResult = 'revoked' | 'not-found' | 'last-admin';

/**
 * Revokes an org's key, unless it is the org's last live admin key. The org's live admin keys are
 * locked first, so two concurrent revocations cannot each leave the other as the last one.
 */
export async function revokeApiKey(db: Db, orgId: string, keyId: string): Promise<RevokeResult> {
  return db.transaction().execute(async (trx) => {
    const admins = await trx
      .selectFrom('api_keys')
      .select('id')
      .where('org_id', '=', orgId)
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .forUpdate()
      .execute();
    const key = await trx
      .selectFrom('api_keys')
      .select(['id', 'role'])
      .where('id', '=', keyId)
      .where('org_id', '=', orgId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!key) return 'not-found';
    if (key.role === 'admin' && admins.length <= 1) return 'last-admin';
    await trx.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', keyId).execute();
    return 'revoked';
  });
}

/** Revokes every live key of an org (offboarding); the number revoked. */
export async function revokeAllApiKeys(db: Db, orgId: string): Promise<number> {
  const res = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}
