import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { sql } from 'kysely';
import type { AcceptedRow, ImportCounts, ImportedContacts, Rejection } from '../platform/import/contacts';
import { tally } from '../platform/import/contacts';
import { type CampaignRow, cancelPendingMembers, insertCampaign, insertRejections } from './campaigns';
import { upsertContacts } from './contacts';
import { createCampaignMembers } from './conversations';
import type { Db } from './database';
import type { CampaignStatus } from './tables/campaign.table';
import type { ImportStatus } from './tables/import-file.table';

const CHUNK_BYTES = 1024 * 1024;

export interface NewImport extends CampaignRow {
  mapping: unknown;
  defaultCountry: string;
  /** The uploaded file, on this machine's disk. */
  filePath: string;
}

/** A campaign whose contacts a worker will import: its row (status importing), its import and its file in chunks. */
export async function createImportingCampaign(db: Db, input: NewImport) {
  return db.transaction().execute(async (trx) => {
    const created = await insertCampaign(trx, input, 'importing', 0);
    await trx
      .insertInto('campaign_imports')
      .values({
        campaign_id: created.id,
        org_id: input.orgId,
        mapping: JSON.stringify(input.mapping),
        default_country: input.defaultCountry,
        status: 'importing',
        counts: null,
        rejected_by: null,
        error: null,
      })
      .execute();
    let seq = 0;
    // Read a chunk at a time: the file never sits in memory whole.
    for await (const chunk of createReadStream(input.filePath, { highWaterMark: CHUNK_BYTES })) {
      await trx
        .insertInto('import_files')
        .values({ campaign_id: created.id, org_id: input.orgId, seq: ++seq, bytes: chunk as Buffer })
        .execute();
    }
    return created;
  });
}

/** Writes a campaign's stored file to a file on this machine, a chunk at a time. */
export async function readImportFile(db: Db, campaignId: string, path: string, onChunk: () => void = () => undefined): Promise<void> {
  const out = createWriteStream(path);
  try {
    for (let seq = 1; ; seq++) {
      const chunk = await db
        .selectFrom('import_files')
        .select('bytes')
        .where('campaign_id', '=', campaignId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!chunk) break;
      if (!out.write(chunk.bytes)) await once(out, 'drain');
      onChunk();
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
}

export async function deleteImportFile(db: Db, campaignId: string): Promise<void> {
  await db.deleteFrom('import_files').where('campaign_id', '=', campaignId).execute();
}

/** What a worker needs to import a campaign's file. */
export async function importForRun(db: Db, campaignId: string) {
  return db
    .selectFrom('campaign_imports as i')
    .innerJoin('campaigns as c', 'c.id', 'i.campaign_id')
    .innerJoin('channels as ch', 'ch.id', 'c.channel_id')
    .select([
      'i.org_id',
      'i.mapping',
      'i.default_country',
      'i.status',
      'i.resume_row',
      'i.rows_read',
      'c.channel_id',
      'c.journey_id',
      'c.journey_version',
      'c.created_at',
      'ch.kind',
    ])
    .where('i.campaign_id', '=', campaignId)
    .executeTakeFirst();
}

/** Of these addresses, the campaign member row of each that is already a member, when before `beforeRow`. */
export async function memberRows(
  db: Db,
  campaign: { id: string; orgId: string; channelId: string },
  addresses: string[],
  beforeRow: number,
): Promise<Map<string, number>> {
  if (addresses.length === 0) return new Map();
  // From the contacts' unique key to each one's conversations, one index probe a contact: a large campaign's
  // members are never scanned, even while the table's statistics still describe it as small (mid-import).
  const { rows } = await sql<{ address: string; row: number }>`
    select k.address, m.row
    from contacts k
    cross join lateral (
      select min(c.campaign_seq)::int as row from conversations c
      where c.contact_id = k.id and c.campaign_id = ${campaign.id} and c.campaign_seq < ${beforeRow}
    ) m
    where k.org_id = ${campaign.orgId} and k.channel_id = ${campaign.channelId} and k.address = any(${addresses}::text[])
      and m.row is not null`.execute(db);
  return new Map(rows.map((r) => [r.address, r.row]));
}

export interface ImportBatch {
  campaignId: string;
  orgId: string;
  channelId: string;
  journey: { id: string; version: number };
  accepted: AcceptedRow[];
  rejections: Rejection[];
  /** The batch's last file row, and how many data rows have been read up to it. */
  lastRow: number;
  rowsRead: number;
  maxContactFields: number;
  workflowIdOf: (conversationId: string) => string;
}

/**
 * A batch's contacts, members (sequence number = file row) and rejected rows, with the import's
 * progress, in one transaction; a batch stored before is not stored twice.
 */
export async function storeImportBatch(db: Db, b: ImportBatch): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const contactIds = await upsertContacts(
      trx,
      b.orgId,
      b.channelId,
      b.accepted.map((a) => a.contact),
      b.maxContactFields,
    );
    await createCampaignMembers(
      trx,
      b.accepted.map((a, i) => {
        const id = randomUUID();
        return {
          id,
          orgId: b.orgId,
          campaignId: b.campaignId,
          campaignSeq: a.row,
          contactId: contactIds[i],
          channelId: b.channelId,
          journeyId: b.journey.id,
          journeyVersion: b.journey.version,
          workflowId: b.workflowIdOf(id),
        };
      }),
    );
    await insertRejections(trx, b.campaignId, b.orgId, b.rejections);
    await trx
      .updateTable('campaign_imports')
      .set({ resume_row: b.lastRow, rows_read: b.rowsRead, updated_at: new Date() })
      .where('campaign_id', '=', b.campaignId)
      .where('resume_row', '<', b.lastRow)
      .execute();
  });
}

/** The import's counts so far, from the rows it stored. */
export async function importTally(
  db: Db,
  campaignId: string,
  rowsRead: number,
): Promise<{ counts: ImportCounts; rejectedBy: ImportedContacts['rejectedBy'] }> {
  const [members, byReason] = await Promise.all([
    db
      .selectFrom('conversations')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('import_rejections')
      .select(['reason', sql<number>`count(*)::int`.as('n')])
      .where('campaign_id', '=', campaignId)
      .groupBy('reason')
      .execute(),
  ]);
  const { rejectedBy, rejected, duplicates } = tally(byReason);
  return { counts: { total: rowsRead, accepted: members.n, rejected, duplicates }, rejectedBy };
}

/**
 * Ends an import: its counts stored, the campaign ready to run (status created), its file deleted.
 * An import in which no row could be imported fails instead, as a synchronous one is refused.
 * Returns whether the campaign is to run.
 */
export async function finishImport(db: Db, campaignId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const run = await trx
      .selectFrom('campaign_imports')
      .select(['status', 'rows_read'])
      .where('campaign_id', '=', campaignId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (run.status !== 'importing') return run.status === 'done';
    const { counts, rejectedBy } = await importTally(trx, campaignId, run.rows_read);
    const empty = counts.accepted === 0;
    await trx
      .updateTable('campaign_imports')
      .set({
        status: empty ? 'failed' : 'done',
        counts: JSON.stringify(counts),
        rejected_by: JSON.stringify(rejectedBy),
        error: empty ? 'file: no row of the file can be imported' : null,
        updated_at: new Date(),
      })
      .where('campaign_id', '=', campaignId)
      .execute();
    await trx
      .updateTable('campaigns')
      .set(
        empty
          ? { status: 'cancelled', completed_at: new Date() }
          : // A campaign with a start time to come waits for it, as one from the JSON body does.
            { status: sql<CampaignStatus>`case when start_at > now() then 'scheduled' else 'created' end`, total: counts.accepted },
      )
      .where('id', '=', campaignId)
      .where('status', '=', 'importing')
      .execute();
    await deleteImportFile(trx, campaignId);
    return !empty;
  });
}

/** Ends an import that cannot finish: the campaign and the members already imported are cancelled, its file deleted. */
export async function failImport(db: Db, campaignId: string, error: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('campaign_imports')
      .set({ status: 'failed', error, updated_at: new Date() })
      .where('campaign_id', '=', campaignId)
      .execute();
    await trx.updateTable('campaigns').set({ status: 'cancelled', completed_at: new Date() }).where('id', '=', campaignId).execute();
    await cancelPendingMembers(trx, campaignId);
    await deleteImportFile(trx, campaignId);
  });
}

/** An import's state for the campaign's view, if the campaign was imported in batches. */
export async function importView(db: Db, campaignId: string) {
  const row = await db
    .selectFrom('campaign_imports')
    .select(['status', 'rows_read', 'counts', 'rejected_by', 'error'])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  if (!row) return undefined;
  const status = row.status as ImportStatus;
  const live = status === 'importing' ? await importTally(db, campaignId, row.rows_read) : undefined;
  return {
    status,
    rowsRead: row.rows_read,
    counts: live?.counts ?? (row.counts as ImportCounts | null) ?? undefined,
    rejectedBy: live?.rejectedBy ?? (row.rejected_by as ImportedContacts['rejectedBy'] | null) ?? undefined,
    ...(row.error ? { error: row.error } : {}),
  };
}
