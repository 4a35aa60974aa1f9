import { randomUUID } from 'node:crypto';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import {
  type DataKey,
  type WrappingKey,
  envelopeKeyId,
  isEnvelope,
  newDataKey,
  openText,
  sealText,
  unwrapDataKey,
  wrapDataKey,
  wrappingKey,
} from '../platform/envelope';
import { DataKeyDestroyedError } from '../platform/errors';
import type { Db } from './database';

/** What a reader shows in place of a text whose org's data key was destroyed. */
export const UNREADABLE = '[unreadable: key destroyed]';

// Another process's destroy reaches this one's cache within this long.
const CACHE_MS = 60_000;

export { DataKeyDestroyedError };

/**
 * The orgs' data keys, unwrapped once and kept a minute. Keys are read and created on the
 * process's own pool, never in the caller's transaction: a key must not vanish with a rollback
 * while the cache still holds it.
 */
export class DataKeys {
  private readonly cache = new Map<string, { key: DataKey | null; at: number }>();
  private readonly current = new Map<string, { keyId: string; at: number }>();
  private readonly wk: WrappingKey;

  constructor(
    private readonly db: Db,
    masterKey: Buffer,
  ) {
    this.wk = wrappingKey(masterKey);
  }

  /** The org's live key, created on first use; throws DataKeyDestroyedError once the org was offboarded. */
  async live(orgId: string): Promise<DataKey> {
    const hit = this.current.get(orgId);
    if (hit && Date.now() - hit.at < CACHE_MS) {
      const key = await this.byId(orgId, hit.keyId);
      if (key) return key;
    }
    let row = await this.liveRow(orgId);
    if (!row) {
      const destroyed = await this.db
        .selectFrom('org_data_keys')
        .select('id')
        .where('org_id', '=', orgId)
        .where('destroyed_at', 'is not', null)
        .executeTakeFirst();
      if (destroyed) throw new DataKeyDestroyedError(orgId);
      const id = `k${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      await this.db
        .insertInto('org_data_keys')
        .values({ id, org_id: orgId, wrapped: wrapDataKey(this.wk, orgId, id, newDataKey()), wrapping_key_id: this.wk.id })
        .onConflict((oc) => oc.column('org_id').where('destroyed_at', 'is', null).doNothing())
        .execute();
      row = await this.liveRow(orgId);
      if (!row) throw new DataKeyDestroyedError(orgId);
    }
    const key = this.unwrap(orgId, row.id, row.wrapped, row.wrapping_key_id);
    this.cache.set(`${orgId}/${row.id}`, { key, at: Date.now() });
    this.current.set(orgId, { keyId: row.id, at: Date.now() });
    return key;
  }

  /** A key by id, or null when it was destroyed (or never was). */
  async byId(orgId: string, keyId: string): Promise<DataKey | null> {
    const hit = this.cache.get(`${orgId}/${keyId}`);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.key;
    const row = await this.db
      .selectFrom('org_data_keys')
      .select(['id', 'wrapped', 'wrapping_key_id'])
      .where('org_id', '=', orgId)
      .where('id', '=', keyId)
      .executeTakeFirst();
    const key = row?.wrapped ? this.unwrap(orgId, row.id, row.wrapped, row.wrapping_key_id) : null;
    this.cache.set(`${orgId}/${keyId}`, { key, at: Date.now() });
    return key;
  }

  /** Forgets an org's keys here, as it is offboarded. */
  forget(orgId: string): void {
    this.current.delete(orgId);
    for (const k of this.cache.keys()) if (k.startsWith(`${orgId}/`)) this.cache.delete(k);
  }

  private async liveRow(orgId: string) {
    return this.db
      .selectFrom('org_data_keys')
      .select(['id', 'wrapped', 'wrapping_key_id'])
      .where('org_id', '=', orgId)
      .where('destroyed_at', 'is', null)
      .executeTakeFirst();
  }

  private unwrap(orgId: string, keyId: string, wrapped: Buffer | null, wrappingKeyId: string | null): DataKey {
    if (!wrapped) throw new DataKeyDestroyedError(orgId);
    if (wrappingKeyId !== this.wk.id) throw new Error(`data key ${keyId} is wrapped under another master key; re-wrap it`);
    return { id: keyId, key: unwrapDataKey(this.wk, orgId, keyId, wrapped) };
  }
}

/** Carries the data keys along with a Db, its transactions included; changes no query. */
class DataKeysPlugin implements KyselyPlugin {
  constructor(readonly keys: DataKeys) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** The Db that seals personal texts under each org's data key, with keys wrapped under `masterKey`. */
export function withDataKeys(db: Db, masterKey: Buffer): Db {
  if (dataKeysOf(db)) return db;
  return db.withPlugin(new DataKeysPlugin(new DataKeys(db, masterKey)));
}

export function dataKeysOf(db: Db): DataKeys | undefined {
  return db.getExecutor().plugins.find((p): p is DataKeysPlugin => p instanceof DataKeysPlugin)?.keys;
}

/**
 * A personal text as stored: an envelope under the org's live key. A Db without data keys (unit
 * tests of other areas, one-off tools) stores it as given; every process of the stack has them.
 */
export async function sealFor(db: Db, orgId: string, plain: string): Promise<string> {
  const keys = dataKeysOf(db);
  return keys ? sealText(await keys.live(orgId), orgId, plain) : plain;
}

/** A stored text as plaintext: envelopes opened, plain rows from before encryption as they are, destroyed keys as UNREADABLE. */
export async function openFor(db: Db, orgId: string, stored: string): Promise<string> {
  if (!isEnvelope(stored)) return stored;
  const key = await dataKeysOf(db)?.byId(orgId, envelopeKeyId(stored));
  return key ? openText(key, orgId, stored) : UNREADABLE;
}

/** Rows with the named text fields opened. */
export async function openRows<R extends Record<string, unknown>>(db: Db, orgId: string, rows: R[], fields: (keyof R)[]): Promise<R[]> {
  return Promise.all(
    rows.map(async (row) => {
      const out = { ...row };
      for (const f of fields) if (typeof out[f] === 'string') out[f] = (await openFor(db, orgId, out[f])) as R[keyof R];
      return out;
    }),
  );
}

/** Crypto-shreds an org: its data keys' bytes are deleted, so whatever they sealed (in backups too) never opens again. */
export async function destroyDataKeys(db: Db, orgId: string): Promise<number> {
  const destroyed = await db
    .updateTable('org_data_keys')
    .set({ wrapped: null, wrapping_key_id: null, destroyed_at: new Date() })
    .where('org_id', '=', orgId)
    .where('destroyed_at', 'is', null)
    .executeTakeFirst();
  // A placeholder row when the org never had a key: none is ever created for it afterwards.
  if (Number(destroyed.numUpdatedRows) === 0) {
    await db
      .insertInto('org_data_keys')
      .values({ id: `k${randomUUID().replaceAll('-', '').slice(0, 16)}`, org_id: orgId, wrapped: null, destroyed_at: new Date() })
      .execute();
  }
  dataKeysOf(db)?.forget(orgId);
  return Number(destroyed.numUpdatedRows);
}

/**
 * Master-key rotation: every live data key is unwrapped under the old master key and wrapped under
 * the new one, in one transaction; no sealed text is touched. Keys already under the new one are skipped.
 */
export async function rewrapDataKeys(db: Db, oldMasterKey: Buffer, newMasterKey: Buffer): Promise<number> {
  const from = wrappingKey(oldMasterKey);
  const to = wrappingKey(newMasterKey);
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('org_data_keys')
      .select(['id', 'org_id', 'wrapped', 'wrapping_key_id'])
      .where('destroyed_at', 'is', null)
      .where('wrapping_key_id', '=', from.id)
      .forUpdate()
      .execute();
    for (const row of rows) {
      const wrapped = wrapDataKey(to, row.org_id, row.id, unwrapDataKey(from, row.org_id, row.id, row.wrapped!));
      await trx.updateTable('org_data_keys').set({ wrapped, wrapping_key_id: to.id }).where('id', '=', row.id).execute();
    }
    return rows.length;
  });
}

// Event fields that copy a sealed text: a message's body, a conversation's note.
const SEALED_EVENT_FIELDS = ['text', 'note'] as const;

/** An event's data with the texts it copied opened, as it goes to the org's webhooks. */
export async function openEventData(db: Db, orgId: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out = { ...data };
  for (const f of SEALED_EVENT_FIELDS) if (typeof out[f] === 'string') out[f] = await openFor(db, orgId, out[f]);
  return out;
}
