import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { blockedAddresses } from '../db/suppressions';
import type { Db } from '../db/database';
import { failImport, finishImport, importForRun, memberRows, readImportFile, storeImportBatch } from '../db/imports';
import { orgSettings } from '../db/orgs';
import type { ChannelKind } from '../channels';
import { InvalidInputError } from '../platform/errors';
import { type AcceptedRow, type Rejection, contactReader, mappingSchema, withoutBlocked } from '../platform/import/contacts';
import { type RawRow, openRows } from '../platform/import/rows';
import { NON_RETRYABLE, type ImportInput, conversationWorkflowId } from '../workflows/contracts';
import { NotFoundError } from './errors';

const DEFAULT_BATCH_ROWS = 5000;

export const createImportActivities = ({
  db,
  hashKey,
  importBatchRows = DEFAULT_BATCH_ROWS,
}: {
  db: Db;
  /** Keys the suppression hashes. */
  hashKey: Buffer;
  importBatchRows?: number;
}) => ({
  /**
   * Imports the campaign's stored file in batches of rows, through the same reading as a
   * synchronous import. Each batch is stored with the import's progress in one transaction,
   * so a retry (after a worker died, say) goes on after the last stored batch; the row it
   * reached is heartbeated too. A batch written twice writes nothing twice: members are keyed
   * by campaign and file row, rejections by campaign and row.
   */
  async importContactsFile(input: ImportInput): Promise<void> {
    const ctx = Context.current();
    const { campaignId, limits } = input;
    const run = await importForRun(db, campaignId);
    if (!run) throw new NotFoundError(`import of campaign ${campaignId}`);
    if (run.status !== 'importing') return;
    const settings = await orgSettings(db, run.org_id);
    const mapping = mappingSchema.parse(run.mapping);
    let lastRow = run.resume_row;
    let rowsRead = run.rows_read;
    const dir = await mkdtemp(join(tmpdir(), 'parley-import-'));
    try {
      const path = join(dir, 'contacts');
      await readImportFile(db, campaignId, path, () => ctx.heartbeat({ row: lastRow, rowsRead }));
      const file = await openRows(path, { maxUnpackedBytes: limits.maxUnpackedBytes });
      const reader = contactReader(file.header, mapping, {
        kind: run.kind as ChannelKind,
        defaultCountry: run.default_country,
        timeZone: settings.timeZone,
        // Two-digit years read the same on every attempt.
        now: run.created_at.getTime(),
        maxFieldChars: limits.maxFieldChars,
        maxFields: limits.maxContactFields,
      });

      const store = async (batch: RawRow[]) => {
        // A duplicate may be of a row in an earlier batch: those are members already.
        const addresses = new Set<string>();
        for (const r of batch) {
          const a = reader.address(r);
          if (!('reason' in a)) addresses.add(a.address);
        }
        const firstRow = await memberRows(
          db,
          { id: campaignId, orgId: run.org_id, channelId: run.channel_id },
          [...addresses],
          batch[0].row,
        );
        const accepted: AcceptedRow[] = [];
        const rejections: Rejection[] = [];
        for (const r of batch) {
          const result = reader.read(r, firstRow);
          if ('reason' in result) rejections.push(result);
          else accepted.push(result);
        }
        const scope = { orgId: run.org_id, channelId: run.channel_id, channelKind: run.kind };
        const { kept, rejections: blocked } = await withoutBlocked(accepted, (a) => blockedAddresses(db, hashKey, scope, a));
        await storeImportBatch(db, {
          campaignId,
          orgId: run.org_id,
          channelId: run.channel_id,
          journey: { id: run.journey_id, version: run.journey_version },
          accepted: kept,
          rejections: [...rejections, ...blocked],
          lastRow: batch[batch.length - 1].row,
          rowsRead: rowsRead + batch.length,
          maxContactFields: limits.maxContactFields,
          workflowIdOf: conversationWorkflowId,
        });
        lastRow = batch[batch.length - 1].row;
        rowsRead += batch.length;
        ctx.heartbeat({ row: lastRow, rowsRead });
        reader.forget();
      };

      // The next batch is read while the one before it is stored; batches are stored in order, one at a time.
      let storing: Promise<void> = Promise.resolve();
      const queue = (b: RawRow[]) => {
        storing = storing.then(() => store(b));
        // Seen at once so that a failed store stops the reading rather than after the file.
        storing.catch(() => undefined);
        return storing;
      };
      let batch: RawRow[] = [];
      const resumeAfter = lastRow;
      for await (const r of file.rows) {
        if (r.row <= resumeAfter) continue;
        batch.push(r);
        if (batch.length >= importBatchRows) {
          // At most one batch waits to be stored, so memory holds two batches at most.
          await storing;
          void queue(batch);
          batch = [];
        }
      }
      if (batch.length) void queue(batch);
      await storing;
    } catch (err) {
      // The file itself is at fault: no retry reads it differently.
      if (err instanceof InvalidInputError) throw ApplicationFailure.nonRetryable(err.message, NON_RETRYABLE.importFile);
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },

  /** Stores the import's counts and readies the campaign: what starting it needs, or nothing if it has no member. */
  async finishImport({ campaignId }: { campaignId: string }): Promise<{ journeyId: string; channelKind: string } | null> {
    const runs = await finishImport(db, campaignId);
    const run = await importForRun(db, campaignId);
    if (!run) throw new NotFoundError(`import of campaign ${campaignId}`);
    return runs ? { journeyId: run.journey_id, channelKind: run.kind } : null;
  },

  async failImport({ campaignId, error }: { campaignId: string; error: string }): Promise<void> {
    await failImport(db, campaignId, error);
  },
});
