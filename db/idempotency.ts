import { sql } from 'kysely';
import type { Db } from './database';

interface KeyRef {
  orgId: string;
  key: string;
}

/** Forgets the org's keys older than the TTL. */
export async function purgeExpiredKeys(db: Db, orgId: string, ttlHours: number): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('org_id', '=', orgId)
    .where('created_at', '<', sql<Date>`now() - ${ttlHours} * interval '1 hour'`)
    .execute();
}

/** Claims a key for a request by a unique insert; false when the key is already held. */
export async function claimKey(db: Db, claim: KeyRef & { request: string; hash: string }): Promise<boolean> {
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({ org_id: claim.orgId, key: claim.key, request: claim.request, request_hash: claim.hash })
    .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return !!claimed;
}

export async function findKey(db: Db, ref: KeyRef) {
  return db.selectFrom('idempotency_keys').selectAll().where('org_id', '=', ref.orgId).where('key', '=', ref.key).executeTakeFirst();
}

export async function releaseKey(db: Db, ref: KeyRef): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('org_id', '=', ref.orgId).where('key', '=', ref.key).execute();
}

/** Keeps the first answer, to replay to a retry. */
export async function saveAnswer(
  db: Db,
  ref: KeyRef,
  answer: { status: number; location: string | null; response: string },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status: answer.status, location: answer.location, response: answer.response })
    .where('org_id', '=', ref.orgId)
    .where('key', '=', ref.key)
    .execute();
}
