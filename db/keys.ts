import type { Db } from './database';

export async function insertApiKey(db: Db, key: { orgId: string; prefix: string; hash: string; name: string }): Promise<void> {
  await db.insertInto('api_keys').values({ org_id: key.orgId, prefix: key.prefix, hash: key.hash, name: key.name }).execute();
}

/** The live key with this prefix, if any; the caller compares the hash. */
export async function liveKeyByPrefix(db: Db, prefix: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'org_id', 'hash'])
    .where('prefix', '=', prefix)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
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

/** Revokes an org's key; true when it was live until now. Tokens minted from it stop working too. */
export async function revokeApiKey(db: Db, orgId: string, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', keyId)
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
