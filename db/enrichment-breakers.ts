import { sql } from 'kysely';
import type { Db } from './database';

export interface BreakerSettings {
  /** Consecutive transient failures that open the breaker. */
  failures: number;
  /** How long an open breaker keeps every caller away. */
  openMs: number;
  /** How long the one probe may hold a half-open breaker before another caller may probe. */
  probeLeaseMs: number;
}

/** `call`: closed, go ahead. `probe`: this caller alone tests a recovering endpoint. `wait`: try again at `retryAt`. */
export type Admission = { kind: 'call' } | { kind: 'probe' } | { kind: 'wait'; retryAt: Date };

const at = (now: Date, ms: number) => new Date(now.getTime() + ms);

/**
 * Whether this caller may call the org's endpoint now. The probe lease is taken by one conditional UPDATE, so
 * of any number of callers racing on an open breaker whose time is up, exactly one is told `probe`.
 */
export async function admitEnrichment(db: Db, orgId: string, now: Date, settings: BreakerSettings): Promise<Admission> {
  const leased = await db
    .updateTable('enrichment_breakers')
    .set({ state: 'half_open', probe_lease_until: at(now, settings.probeLeaseMs) })
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'open'), eb('open_until', '<=', now)]),
        eb.and([eb('state', '=', 'half_open'), eb('probe_lease_until', '<=', now)]),
      ]),
    )
    .returning('org_id')
    .executeTakeFirst();
  if (leased) return { kind: 'probe' };
  const row = await db
    .selectFrom('enrichment_breakers')
    .select(['state', 'open_until', 'probe_lease_until'])
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (!row || row.state === 'closed') return { kind: 'call' };
  const retryAt = row.state === 'open' ? row.open_until : row.probe_lease_until;
  return { kind: 'wait', retryAt: retryAt ?? now };
}

/** A good answer (or a permanent refusal: the endpoint is up) closes the breaker. */
export async function recordEnrichmentSuccess(db: Db, orgId: string): Promise<void> {
  await db
    .updateTable('enrichment_breakers')
    .set({ state: 'closed', failures: 0, opened_at: null, open_until: null, probe_lease_until: null })
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('state', '!=', 'closed'), eb('failures', '>', 0)]))
    .execute();
}

/**
 * A transient failure: counted; at the threshold, or when it was the probe's, the breaker (re)opens for openMs.
 * Returns the state after it.
 */
export async function recordEnrichmentFailure(db: Db, orgId: string, now: Date, settings: BreakerSettings): Promise<'closed' | 'open'> {
  const openUntil = at(now, settings.openMs);
  const opens = sql<boolean>`(enrichment_breakers.state <> 'closed' or enrichment_breakers.failures + 1 >= ${settings.failures})`;
  const row = await db
    .insertInto('enrichment_breakers')
    .values({
      org_id: orgId,
      state: settings.failures <= 1 ? 'open' : 'closed',
      failures: 1,
      opened_at: settings.failures <= 1 ? now : null,
      open_until: settings.failures <= 1 ? openUntil : null,
    })
    .onConflict((oc) =>
      oc.column('org_id').doUpdateSet({
        failures: sql`enrichment_breakers.failures + 1`,
        state: sql`case when ${opens} then 'open' else 'closed' end`,
        opened_at: sql`case when ${opens} then ${now}::timestamptz else enrichment_breakers.opened_at end`,
        open_until: sql`case when ${opens} then ${openUntil}::timestamptz else null end`,
        probe_lease_until: null,
      }),
    )
    .returning('state')
    .executeTakeFirstOrThrow();
  return row.state === 'open' ? 'open' : 'closed';
}
