import type { Db } from './database';

export type HoldTarget = 'contacts' | 'campaigns';

/** Sets or clears the legal hold of an org's contact or campaign; false when there is no such row. */
export async function setLegalHold(db: Db, table: HoldTarget, orgId: string, id: string, hold: boolean): Promise<boolean> {
  const result = await db.updateTable(table).set({ legal_hold: hold }).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
