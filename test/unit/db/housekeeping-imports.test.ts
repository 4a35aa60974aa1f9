import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createChannel } from '../../../db/channels';
import { type Db, createDb } from '../../../db/database';
import { pruneImportFiles } from '../../../db/housekeeping';
import { createImportingCampaign } from '../../../db/imports';
import { seedOrg } from '../../helpers/stack';

describe('pruning orphaned import files', () => {
  let db: Db;
  let dir: string;
  let importing: (name: string) => Promise<string>;

  const chunks = async (campaignId: string) =>
    Number(
      (
        await db
          .selectFrom('import_files')
          .select(sql<string>`count(*)`.as('n'))
          .where('campaign_id', '=', campaignId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const backdate = (campaignId: string, hours: number) =>
    sql`update campaign_imports set updated_at = now() - ${hours} * interval '1 hour' where campaign_id = ${campaignId}`.execute(db);

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    dir = await mkdtemp(join(tmpdir(), 'prune-imports-'));
    const file = join(dir, 'contacts.csv');
    await writeFile(file, 'Phone\n+447911123456\n');
    const org = await seedOrg(db);
    const channel = await createChannel(db, {
      orgId: org.orgId,
      kind: 'sandbox',
      name: 'Prune',
      config: { webhookSecret: 'x'.repeat(32) },
    });
    importing = async (name) =>
      (
        await createImportingCampaign(db, {
          orgId: org.orgId,
          name,
          journey: { id: org.journeyId, current_version: 1 },
          channelId: channel.id,
          mapping: { address: 'Phone' },
          defaultCountry: 'GB',
          filePath: file,
        })
      ).id;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await db.destroy();
  });

  it('when an import failed, finished or made no progress for too long, then its chunks go, and a live import keeps its own', async () => {
    const live = await importing('live');
    const quiet = await importing('quiet but within the limit');
    const stale = await importing('terminated by hand');
    const failed = await importing('failed');
    const done = await importing('done');
    await backdate(quiet, 23);
    await backdate(stale, 25);
    // failImport and finishImport delete the chunks themselves; these ended some other way (by hand, or an older version).
    await sql`update campaign_imports set status = 'failed' where campaign_id = ${failed}`.execute(db);
    await sql`update campaign_imports set status = 'done' where campaign_id = ${done}`.execute(db);
    for (const id of [live, quiet, stale, failed, done]) expect(await chunks(id)).toBe(1);

    expect(await pruneImportFiles(db, 24)).toBeGreaterThanOrEqual(3);

    expect({
      live: await chunks(live),
      quiet: await chunks(quiet),
      stale: await chunks(stale),
      failed: await chunks(failed),
      done: await chunks(done),
    }).toEqual({
      live: 1,
      quiet: 1,
      stale: 0,
      failed: 0,
      done: 0,
    });
  });
});
