import { openFor } from '../../db/data-keys';
import type { Db } from '../../db/database';
import { envelopeKeyId, isEnvelope } from '../../platform/envelope';

/** A stored text opened as the repositories open it: its org found from the data key its envelope names. */
export async function opened(db: Db, stored: string): Promise<string> {
  if (!isEnvelope(stored)) return stored;
  const key = await db.selectFrom('org_data_keys').select('org_id').where('id', '=', envelopeKeyId(stored)).executeTakeFirst();
  return key ? openFor(db, key.org_id, stored) : stored;
}

/** Rows with their `body` opened. */
export async function withBodies<R extends { body: string }>(db: Db, rows: R[]): Promise<R[]> {
  return Promise.all(rows.map(async (r) => ({ ...r, body: await opened(db, r.body) })));
}
