import { sql } from 'kysely';
import { openEventData } from './data-keys';
import type { Db } from './database';
import type { WebhookStatus } from './tables/webhook.table';
import type { SealedSecret } from '../platform/secrets';

const PUBLIC = ['id', 'org_id', 'url', 'events', 'ordered', 'status', 'disabled_reason', 'failing_since', 'created_at'] as const;

/** Stores an endpoint; it receives events recorded from now on. */
export async function createEndpoint(
  db: Db,
  e: { orgId: string; url: string; events: string[]; ordered: boolean; secret: SealedSecret },
): Promise<string> {
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      org_id: e.orgId,
      url: e.url,
      events: e.events,
      ordered: e.ordered,
      secret: JSON.stringify(e.secret),
      scanned: sql<string>`(SELECT coalesce(max(position), 0) FROM events)`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listEndpoints(db: Db, orgId: string) {
  return db.selectFrom('webhook_endpoints').select(PUBLIC).where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
}

/** One of an org's endpoints, with the notices about it; undefined when it belongs to another org. */
export async function getEndpoint(db: Db, orgId: string, id: string) {
  const endpoint = await db
    .selectFrom('webhook_endpoints')
    .select(PUBLIC)
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!endpoint) return undefined;
  const notices = await db
    .selectFrom('webhook_notices')
    .select(['type', 'reason', 'at'])
    .where('endpoint_id', '=', id)
    .orderBy('id')
    .execute();
  return { ...endpoint, notices };
}

/** Everything the dispatcher needs, secrets still sealed. */
export async function endpointForDelivery(db: Db, id: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteEndpoint(db: Db, orgId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Pauses or resumes; resuming a disabled endpoint clears its reason and failure clock. False when there is no such endpoint. */
export async function setEndpointStatus(db: Db, orgId: string, id: string, status: 'active' | 'paused'): Promise<boolean> {
  const res = await db
    .updateTable('webhook_endpoints')
    .set(status === 'active' ? { status, disabled_reason: null, failing_since: null } : { status })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** A new secret; the current one keeps signing beside it until `previousUntil`. */
export async function rotateEndpointSecret(db: Db, orgId: string, id: string, secret: SealedSecret, previousUntil: Date): Promise<boolean> {
  const res = await db
    .updateTable('webhook_endpoints')
    .set({ previous_secret: sql`secret`, previous_until: previousUntil, secret: JSON.stringify(secret) })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** Disables an endpoint and records the notice the API shows on it, once. */
export async function disableEndpoint(db: Db, id: string, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('webhook_endpoints')
      .set({ status: 'disabled' as WebhookStatus, disabled_reason: reason })
      .where('id', '=', id)
      .where('status', '!=', 'disabled')
      .executeTakeFirst();
    if (res.numUpdatedRows > 0n)
      await trx.insertInto('webhook_notices').values({ endpoint_id: id, type: 'endpointDisabled', reason }).execute();
  });
}

const SCAN_LIMIT = 5_000;

/**
 * Copies the endpoint's subscribed events recorded since the last pass into deliveries. Positions are
 * handed out before commit, so a missing one may still appear: it is kept as a gap and looked at again,
 * until `gapMs` has passed (then it was a rollback). Returns how many deliveries were added.
 */
export async function fanOut(db: Db, endpointId: string, gapMs: number, now = Date.now()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ep = await trx
      .selectFrom('webhook_endpoints')
      .select(['org_id', 'events', 'scanned', 'gaps'])
      .where('id', '=', endpointId)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    // Missing, or another lane is fanning out right now.
    if (!ep) return 0;
    const fresh = await trx
      .selectFrom('events')
      .select('position')
      .where('position', '>', ep.scanned)
      .orderBy('position')
      .limit(SCAN_LIMIT)
      .execute();
    const found = ep.gaps.length
      ? await trx
          .selectFrom('events')
          .select('position')
          .where(
            'position',
            'in',
            ep.gaps.map(([p]) => p),
          )
          .execute()
      : [];
    const filled = new Set(found.map((r) => r.position));
    const gaps = ep.gaps.filter(([p, since]) => !filled.has(p) && now - since < gapMs);
    let expected = BigInt(ep.scanned) + 1n;
    for (const { position } of fresh) {
      for (let p = expected; p < BigInt(position); p++) gaps.push([String(p), now]);
      expected = BigInt(position) + 1n;
    }
    const positions = [...fresh.map((r) => r.position), ...filled];
    let added = 0;
    if (positions.length) {
      const res = await sql`
        INSERT INTO webhook_deliveries (endpoint_id, event_id, position, conversation_id, sequence)
        SELECT ${endpointId}, id, position, conversation_id, sequence FROM events
        WHERE position = ANY(${positions}::bigint[]) AND org_id = ${ep.org_id} AND type = ANY(${ep.events}::text[])
        ON CONFLICT (endpoint_id, event_id) DO NOTHING`.execute(trx);
      added = Number(res.numAffectedRows ?? 0n);
    }
    const scanned = fresh.length ? fresh[fresh.length - 1].position : ep.scanned;
    await trx
      .updateTable('webhook_endpoints')
      .set({ scanned, gaps: JSON.stringify(gaps) })
      .where('id', '=', endpointId)
      .execute();
    return added;
  });
}

export interface ClaimedDelivery {
  id: string;
  attempts: number;
  event_id: string;
  type: string;
  org_id: string;
  occurred_at: Date;
  sequence: number;
  data: Record<string, unknown>;
}

/**
 * Leases the endpoint's due deliveries, oldest first, counting the attempt: a worker that dies holding
 * them lets the lease run out, and they are tried again. Ordered endpoints take a conversation's event
 * only when no earlier one of it is still pending.
 */
export async function claimDeliveries(db: Db, endpointId: string, opts: { ordered: boolean; limit: number; leaseMs: number }) {
  const ordered = opts.ordered
    ? sql`AND (d.conversation_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id AND e.conversation_id = d.conversation_id
        AND e.status = 'pending' AND e.sequence < d.sequence))`
    : sql``;
  const res = await sql<ClaimedDelivery>`
    WITH due AS (
      SELECT d.id FROM webhook_deliveries d
      WHERE d.endpoint_id = ${endpointId} AND d.status = 'pending' AND d.next_attempt_at <= now() ${ordered}
        AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = d.endpoint_id AND w.status = 'active')
      ORDER BY d.next_attempt_at, d.position LIMIT ${opts.limit} FOR UPDATE SKIP LOCKED)
    UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + ${opts.leaseMs} * interval '1 millisecond'
    FROM due, events ev WHERE d.id = due.id AND ev.id = d.event_id
    RETURNING d.id, d.attempts, ev.id AS event_id, ev.type, ev.org_id, ev.occurred_at, ev.sequence, ev.data`.execute(db);
  return Promise.all(res.rows.map(async (r) => ({ ...r, data: await openEventData(db, r.org_id, r.data) })));
}

export interface AttemptResult {
  deliveryId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  ok: boolean;
  latencyMs: number;
  status: number | null;
  body: string | null;
  error: string | null;
  /** When to try again; null after a failure means no more tries. */
  retryAt: Date | null;
}

/** Logs the attempts and settles their deliveries; returns since when the endpoint has failed every attempt, if it has. */
export async function recordAttempts(db: Db, endpointId: string, results: AttemptResult[]): Promise<Date | null> {
  if (!results.length) return null;
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('webhook_attempts')
      .values(
        results.map((r) => ({
          endpoint_id: endpointId,
          event_id: r.eventId,
          event_type: r.eventType,
          attempt: r.attempt,
          outcome: r.ok ? ('delivered' as const) : ('failed' as const),
          latency_ms: r.latencyMs,
          response_status: r.status,
          response_body: r.body,
          error: r.error,
        })),
      )
      .execute();
    const delivered = results.filter((r) => r.ok).map((r) => r.deliveryId);
    const failed = results.filter((r) => !r.ok);
    if (delivered.length)
      await trx.updateTable('webhook_deliveries').set({ status: 'delivered', last_error: null }).where('id', 'in', delivered).execute();
    if (failed.length)
      await sql`
        UPDATE webhook_deliveries d
        SET status = CASE WHEN u.retry_at IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = coalesce(u.retry_at, d.next_attempt_at), last_error = u.error
        FROM unnest(${failed.map((r) => r.deliveryId)}::bigint[], ${failed.map((r) => r.retryAt)}::timestamptz[],
                    ${failed.map((r) => r.error)}::text[]) AS u(id, retry_at, error)
        WHERE d.id = u.id AND d.status = 'pending'`.execute(trx);
    const row = await trx
      .updateTable('webhook_endpoints')
      .set({ failing_since: delivered.length ? null : sql`coalesce(failing_since, now())` })
      .where('id', '=', endpointId)
      .returning('failing_since')
      .executeTakeFirst();
    return row?.failing_since ?? null;
  });
}

/** The endpoint's attempts, newest first, before the given attempt id (a page cursor). */
export async function listAttempts(db: Db, endpointId: string, opts: { before?: string; limit: number }) {
  let q = db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId);
  if (opts.before) q = q.where('id', '<', opts.before);
  return q.orderBy('id', 'desc').limit(opts.limit).execute();
}

/** Makes the endpoint's subscribed events since `since` due again (the same event ids); returns how many. */
export async function replayDeliveries(db: Db, endpointId: string, since: Date): Promise<number> {
  const res = await sql`
    INSERT INTO webhook_deliveries (endpoint_id, event_id, position, conversation_id, sequence)
    SELECT w.id, ev.id, ev.position, ev.conversation_id, ev.sequence
    FROM webhook_endpoints w JOIN events ev ON ev.org_id = w.org_id AND ev.type = ANY(w.events)
    WHERE w.id = ${endpointId} AND ev.occurred_at >= ${since} AND ev.position <= w.scanned
    ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = null`.execute(
    db,
  );
  return Number(res.numAffectedRows ?? 0n);
}
