import type { Db } from './database';

/** One audited event. Never put a secret (a key, a token, a password) in any field. */
export interface AuditEntry {
  orgId?: string;
  /** The acting key's prefix (`pk_<prefix>`), or "anonymous". */
  actor: string;
  actorKeyId?: string;
  ip?: string;
  action: string;
  target?: string;
  result: 'ok' | 'denied' | 'failed' | (string & {});
}

/** Appends to the audit log; the table refuses every UPDATE, DELETE and TRUNCATE. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      org_id: entry.orgId ?? null,
      actor: entry.actor,
      actor_key_id: entry.actorKeyId ?? null,
      ip: entry.ip ?? null,
      action: entry.action,
      target: entry.target ?? null,
      result: entry.result,
    })
    .execute();
}

/** A page of an org's audit log, oldest first after `after`. */
export async function readAuditLog(
  db: Db,
  orgId: string,
  page: { after: number; limit: number; from?: Date; to?: Date; actor?: string; action?: string },
) {
  let q = db
    .selectFrom('audit_log')
    .select(['id', 'at', 'actor', 'actor_key_id', 'ip', 'action', 'target', 'result'])
    .where('org_id', '=', orgId)
    .where('id', '>', String(page.after));
  if (page.from) q = q.where('at', '>=', page.from);
  if (page.to) q = q.where('at', '<', page.to);
  if (page.actor) q = q.where('actor', '=', page.actor);
  if (page.action) q = q.where('action', '=', page.action);
  return q.orderBy('id').limit(page.limit).execute();
}
