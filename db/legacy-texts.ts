import { sql } from 'kysely';
import { isEnvelope } from '../platform/envelope';
import { sealFor } from './data-keys';
import type { Db } from './database';

// What every envelope's text is like; anything else was written before encryption.
const ENVELOPE = 'enc:v1:%';

/**
 * Seals up to `limit` message bodies, conversations' notes and the events copying them, written before encryption, of one org or all;
 * the number of rows sealed, 0 once none is left. A row changed since it was read is left for the next batch.
 */
export async function sealLegacyTexts(db: Db, opts: { orgId?: string; limit?: number } = {}): Promise<number> {
  const limit = opts.limit ?? 500;
  let bodies = db.selectFrom('messages').select(['id', 'org_id', 'body']).where('body', 'not like', ENVELOPE);
  if (opts.orgId) bodies = bodies.where('org_id', '=', opts.orgId);
  let sealed = 0;
  for (const m of await bodies.limit(limit).execute()) {
    const body = await sealFor(db, m.org_id, m.body);
    const res = await db.updateTable('messages').set({ body }).where('id', '=', m.id).where('body', '=', m.body).executeTakeFirst();
    sealed += Number(res.numUpdatedRows);
  }
  let notes = db
    .selectFrom('conversations')
    .select(['id', 'org_id', 'notes'])
    .where(sql<boolean>`exists (select 1 from jsonb_array_elements_text(notes) n where n not like ${ENVELOPE})`);
  if (opts.orgId) notes = notes.where('org_id', '=', opts.orgId);
  for (const c of await notes.limit(limit).execute()) {
    const next = await Promise.all(c.notes.map((n) => (isEnvelope(n) ? n : sealFor(db, c.org_id, n))));
    const res = await db
      .updateTable('conversations')
      .set({ notes: JSON.stringify(next) })
      .where('id', '=', c.id)
      .where(sql<boolean>`notes = ${JSON.stringify(c.notes)}::jsonb`)
      .executeTakeFirst();
    sealed += Number(res.numUpdatedRows);
  }
  let events = db
    .selectFrom('events')
    .select(['id', 'org_id', 'data'])
    .where(sql<boolean>`(data->>'text' not like ${ENVELOPE} or data->>'note' not like ${ENVELOPE})`);
  if (opts.orgId) events = events.where('org_id', '=', opts.orgId);
  for (const e of await events.limit(limit).execute()) {
    const data = { ...e.data };
    for (const f of ['text', 'note'])
      if (typeof data[f] === 'string' && !isEnvelope(data[f])) data[f] = await sealFor(db, e.org_id, data[f]);
    const res = await db
      .updateTable('events')
      .set({ data: JSON.stringify(data) })
      .where('id', '=', e.id)
      .where(sql<boolean>`data = ${JSON.stringify(e.data)}::jsonb`)
      .executeTakeFirst();
    sealed += Number(res.numUpdatedRows);
  }
  return sealed;
}
