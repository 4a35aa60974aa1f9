import type { Db } from '../db/database';

export type EnrichResult = { ok: true; values: Record<string, string> } | { ok: false; reason: string };

const ENRICH_TIMEOUT_MS = 5_000;

/** GETs the named fields from the org's enrichment endpoint. */
export const createEnrichmentActivities = ({ db }: { db: Db }) => ({
  async enrich({ conversationId, fields }: { conversationId: string; fields: string[] }): Promise<EnrichResult> {
    const row = await db
      .selectFrom('conversations as cv')
      .innerJoin('orgs as o', 'o.id', 'cv.org_id')
      .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
      .select(['o.settings', 'ct.fields', 'cv.contact_id'])
      .where('cv.id', '=', conversationId)
      .executeTakeFirst();
    const url = row?.settings.enrichmentUrl;
    if (!row || !url) return { ok: false, reason: 'no enrichment endpoint configured' };
    const target = new URL(url);
    target.searchParams.set('contactId', row.contact_id);
    if (row.fields.customerRef) target.searchParams.set('customerRef', row.fields.customerRef);
    target.searchParams.set('fields', fields.join(','));
    const res = await fetch(target, { signal: AbortSignal.timeout(ENRICH_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (res.status === 404) return { ok: false, reason: 'not found' };
    if (!res.ok) throw new Error(`enrichment endpoint answered ${res.status}`);
    const body = (await res.json()) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const f of fields) if (body[f] !== undefined && body[f] !== null) values[f] = String(body[f]);
    return { ok: true, values };
  },
});
