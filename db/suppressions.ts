import { createHmac } from 'node:crypto';
import { optedOutAddresses } from './consent';
import type { BlockReason } from '../platform/import/contacts';
import { type Db, anyOf } from './database';

export type { BlockReason };

/** Trimmed and lower-cased: imports already hand over E.164 numbers and lower-cased emails. */
export const normaliseAddress = (address: string) => address.trim().toLowerCase();

/** Keyed HMAC, so the table cannot be reversed by hashing guessed addresses without the key. */
export const suppressionHash = (hashKey: Buffer, address: string) =>
  createHmac('sha256', hashKey)
    .update(`suppression\n${normaliseAddress(address)}`)
    .digest('hex');

export async function addSuppressions(
  db: Db,
  hashKey: Buffer,
  input: { orgId: string; addresses: string[]; channelKind?: string | null; reason?: string | null; createdBy: string },
): Promise<number> {
  const hashes = [...new Set(input.addresses.map((a) => suppressionHash(hashKey, a)))];
  if (hashes.length === 0) return 0;
  const rows = await db
    .insertInto('suppressions')
    .values(
      hashes.map((h) => ({
        org_id: input.orgId,
        address_hash: h,
        channel_kind: input.channelKind ?? null,
        reason: input.reason ?? null,
        created_by: input.createdBy,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/** Lifts the address's suppressions, of one kind or (no kind) all of them. */
export async function liftSuppression(db: Db, hashKey: Buffer, orgId: string, address: string, channelKind?: string): Promise<number> {
  let q = db.deleteFrom('suppressions').where('org_id', '=', orgId).where('address_hash', '=', suppressionHash(hashKey, address));
  if (channelKind) q = q.where('channel_kind', '=', channelKind);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** A page, newest first; only a prefix of the hash leaves the database. */
export async function listSuppressions(db: Db, orgId: string, page: { limit: number; before?: string }) {
  let q = db
    .selectFrom('suppressions')
    .select(['id', 'address_hash', 'channel_kind', 'reason', 'created_at'])
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(page.limit);
  if (page.before) q = q.where('id', '<', page.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    hashPrefix: r.address_hash.slice(0, 12),
    channelKind: r.channel_kind,
    reason: r.reason,
    createdAt: r.created_at,
  }));
}

/**
 * Of these addresses on the channel, those not to be processed and why: opted out, restricted or suppressed; three queries for the lot.
 * Suppression wins over restriction, restriction over an opt-out.
 */
export async function blockedAddresses(
  db: Db,
  hashKey: Buffer,
  scope: { orgId: string; channelId: string; channelKind: string },
  addresses: string[],
): Promise<Map<string, BlockReason>> {
  const blocked = new Map<string, BlockReason>();
  if (addresses.length === 0) return blocked;
  for (const a of await optedOutAddresses(db, scope.orgId, scope.channelId, addresses)) blocked.set(a, 'optedOut');
  const restricted = await db
    .selectFrom('contacts')
    .select('address')
    .where('org_id', '=', scope.orgId)
    .where('channel_id', '=', scope.channelId)
    .where('address', '=', anyOf(addresses))
    .where('restricted_at', 'is not', null)
    .execute();
  for (const r of restricted) blocked.set(r.address, 'restricted');
  const byHash = new Map(addresses.map((a) => [suppressionHash(hashKey, a), a]));
  const suppressed = await db
    .selectFrom('suppressions')
    .select('address_hash')
    .where('org_id', '=', scope.orgId)
    .where('address_hash', '=', anyOf([...byHash.keys()]))
    .where((eb) => eb.or([eb('channel_kind', 'is', null), eb('channel_kind', '=', scope.channelKind)]))
    .execute();
  for (const r of suppressed) blocked.set(byHash.get(r.address_hash)!, 'suppressed');
  return blocked;
}
