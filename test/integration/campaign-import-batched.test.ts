import { recordConsent } from '../../db/consent';
import { upsertContacts } from '../../db/contacts';
import { addSuppressions } from '../../db/suppressions';
import { hashKey } from '../../config';
import { importWorkflowId } from '../../workflows/contracts';
import { greetingJourney } from '../fixtures/journeys';
import { recordHistory } from '../helpers/histories';
import { type WorkerProcess, spawnWorker } from '../helpers/spawn-worker';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

// Small batches, so that these files span several and a crash falls between two of them.
const BATCH = { IMPORT_BATCH_ROWS: '1000' };

// Files above this are imported by a workflow; the test files are far larger.
const SYNC_MAX_BYTES = 4096;
const OPTED_OUT = '07911 299999';
const SUPPRESSED = '07911 288888';

/**
 * A CSV of `rows` data rows over `distinct` addresses, so that most rows are duplicates of rows in
 * earlier batches, with rows that have no address, an unreadable one, a bad date and one opted out.
 */
function contactsCsv(rows: number, distinct: number): string {
  const lines = ['Phone,First,DOB'];
  for (let i = 0; i < rows; i++) {
    const phone =
      i === 600
        ? OPTED_OUT
        : i === 700
          ? SUPPRESSED
          : i % 97 === 5
            ? ''
            : i % 89 === 7
              ? 'call me'
              : `07911 ${String(100000 + (i % distinct))}`;
    lines.push(`${phone},Name${i},${i % 83 === 11 ? '31/02/1985' : '14/02/1985'}`);
  }
  return lines.join('\n');
}

type Org = Awaited<ReturnType<typeof seedOrg>>;

async function seedImportOrg(stack: TestStack): Promise<Org> {
  const org = await seedOrg(stack.db, greetingJourney);
  const [stopped] = await upsertContacts(stack.db, org.orgId, org.channelId, [{ address: '+447911299999', fields: {} }], 100);
  await recordConsent(stack.db, { orgId: org.orgId, channelId: org.channelId, contactId: stopped, status: 'opted_out', source: 'api' });
  await addSuppressions(stack.db, hashKey(stack.config), { orgId: org.orgId, addresses: ['+447911288888'], createdBy: 'test' });
  return org;
}

async function upload(stack: TestStack, org: Org, csv: string, parts: Record<string, string> = {}) {
  const form = new FormData();
  const all = {
    journeyId: org.journeyId,
    channelId: org.channelId,
    mapping: JSON.stringify({ address: 'Phone', fields: { firstName: 'First', dob: { column: 'DOB', type: 'date' } } }),
    ...parts,
  };
  for (const [k, v] of Object.entries(all)) form.append(k, v);
  form.append('file', new Blob([csv]), 'contacts.csv');
  const res = await fetch(`${stack.url}/v1/campaigns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${org.apiKey}` },
    body: form,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const view = async (stack: TestStack, org: Org, id: string) => (await apiClient(stack.url, org.apiKey).get(`/v1/campaigns/${id}`)).body;

const importDone = (stack: TestStack, org: Org, id: string) =>
  eventually(
    async () => {
      const v = await view(stack, org, id);
      return v.import?.status === 'done' ? v : undefined;
    },
    60_000,
    'the import to finish',
  );

/** Every file row of the campaign exactly once: as a member or as a rejection. */
async function rowsOf(stack: TestStack, org: Org, campaignId: string) {
  const members = await stack.db
    .selectFrom('conversations')
    .select(['campaign_seq', 'contact_id'])
    .where('org_id', '=', org.orgId)
    .where('campaign_id', '=', campaignId)
    .execute();
  const rejections = await stack.db
    .selectFrom('import_rejections')
    .select(['row', 'reason', 'detail'])
    .where('org_id', '=', org.orgId)
    .where('campaign_id', '=', campaignId)
    .orderBy('row')
    .execute();
  return { members, rejections };
}

const contactCount = async (stack: TestStack, org: Org) =>
  (
    await stack.db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', org.orgId)
      .executeTakeFirstOrThrow()
  ).n;

describe('campaigns from a large contacts file, imported in batches', () => {
  let stack: TestStack;
  let org: Org;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    stack = await startTestStack({ IMPORT_SYNC_MAX_BYTES: SYNC_MAX_BYTES }, { worker: false });
    org = await seedImportOrg(stack);
    worker = await spawnWorker(stack, undefined, BATCH);
  });
  afterAll(async () => {
    await worker?.kill();
    await stack?.stop();
  });

  it('when a CSV is above the threshold, then it is answered 202, its progress reaches done with the synchronous counts, and the campaign runs', async () => {
    const csv = contactsCsv(2500, 40);
    expect(Buffer.byteLength(csv)).toBeGreaterThan(SYNC_MAX_BYTES);
    // A dry run reads the same file synchronously, whatever its size.
    const sync = await upload(stack, org, csv, { dryRun: 'true' });
    expect(sync.status).toBe(200);

    const res = await upload(stack, org, csv, { name: 'Large' });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/campaigns/${res.body.id}`);
    expect(res.body).toMatchObject({ id: expect.any(String), name: 'Large', status: 'importing', import: { status: 'importing' } });

    const done = await importDone(stack, org, res.body.id);
    expect(done.import).toEqual({ status: 'done', rowsRead: 2500, counts: sync.body.counts, rejectedBy: sync.body.rejectedBy });
    expect(sync.body.counts).toMatchObject({ total: 2500, accepted: 40 });
    expect(sync.body.rejectedBy).toMatchObject({
      optedOut: 1,
      suppressed: 1,
      badDate: expect.any(Number),
      missingAddress: expect.any(Number),
    });
    expect(done.total).toBe(40);

    const { members, rejections } = await rowsOf(stack, org, res.body.id);
    expect(members).toHaveLength(40);
    expect(rejections).toHaveLength(2500 - 40);
    // Row 1 is the header: data row i is file row i + 2; row 1502 repeats the address first seen on row 22, a batch earlier.
    expect(rejections.find((r) => r.row === 1502)).toEqual({ row: 1502, reason: 'duplicate', detail: 'duplicate of row 22' });
    expect(rejections.find((r) => r.row === 602)).toEqual({ row: 602, reason: 'optedOut', detail: 'opted out on this channel' });
    expect(rejections.find((r) => r.row === 702)).toMatchObject({ row: 702, reason: 'suppressed' });
    expect(await stack.db.selectFrom('import_files').select('seq').where('campaign_id', '=', res.body.id).execute()).toEqual([]);

    const ran = await eventually(
      async () => {
        const v = await view(stack, org, res.body.id);
        return v.status === 'completed' ? v : undefined;
      },
      60_000,
      'the campaign to complete',
    );
    expect(ran.progress).toMatchObject({ started: 40, sent: 40 });
  });

  it('when the same file is imported again into a new campaign, then its contacts are reused', async () => {
    const csv = contactsCsv(1500, 40);
    const first = await upload(stack, org, csv);
    expect(first.status).toBe(202);
    const firstDone = await importDone(stack, org, first.body.id);
    const before = await contactCount(stack, org);

    const again = await upload(stack, org, csv);
    expect(again.status).toBe(202);
    const againDone = await importDone(stack, org, again.body.id);
    expect(againDone.import).toEqual(firstDone.import);
    expect(await contactCount(stack, org)).toBe(before);
    const contactsOf = async (id: string) => (await rowsOf(stack, org, id)).members.map((m) => m.contact_id).sort();
    expect(await contactsOf(again.body.id)).toEqual(await contactsOf(first.body.id));
  });

  it('when a large file campaign is given a start time and a throttle, then after its import it is scheduled with them', async () => {
    // A month from whenever the test runs: at most 366 days ahead are allowed.
    const startAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await upload(stack, org, contactsCsv(1500, 20), { startAt, ratePerMinute: '30' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'importing', ratePerMinute: 30 });
    await importDone(stack, org, res.body.id);
    const scheduled = await eventually(
      async () => {
        const v = await view(stack, org, res.body.id);
        return v.status === 'scheduled' ? v : undefined;
      },
      60_000,
      'the campaign to be scheduled',
    );
    expect(new Date(scheduled.startAt).toISOString()).toBe(startAt);
    expect(scheduled.progress).toMatchObject({ started: 0, sent: 0 });
    await apiClient(stack.url, org.apiKey).post(`/v1/campaigns/${res.body.id}/cancel`, {});
  });

  it('when a file is under the threshold, then it is imported while the request waits', async () => {
    const res = await upload(stack, org, contactsCsv(20, 40));
    expect(res.status).toBe(201);
    expect(res.body.counts).toMatchObject({ total: 20 });
    expect(res.body.import).toBeUndefined();
  });

  it('when a large CSV breaks after its first batches, then the import fails with the reason and the campaign is cancelled', async () => {
    const res = await upload(stack, org, `${contactsCsv(2500, 40)}\n07911 100001,"never closed,14/02/1985\n`);
    expect(res.status).toBe(202);
    const failed = await eventually(
      async () => {
        const v = await view(stack, org, res.body.id);
        return v.import?.status === 'failed' ? v : undefined;
      },
      60_000,
      'the import to fail',
    );
    expect(failed.status).toBe('cancelled');
    expect(failed.import.error).toMatch(/^file: the CSV has a quoted cell that never ends \(from row \d+\)$/);
    expect(failed.progress).toMatchObject({ pending: 0, started: 0 });
    expect(await stack.db.selectFrom('import_files').select('seq').where('campaign_id', '=', res.body.id).execute()).toEqual([]);
  });

  it('when no row of a large file can be imported, then the import fails with its counts and the campaign is cancelled', async () => {
    const csv = ['Phone,First,DOB', ...Array.from({ length: 500 }, (_, i) => `call me ${i},Name${i},`)].join('\n');
    const res = await upload(stack, org, csv);
    expect(res.status).toBe(202);
    const failed = await eventually(
      async () => {
        const v = await view(stack, org, res.body.id);
        return v.import?.status === 'failed' ? v : undefined;
      },
      60_000,
      'the import to fail',
    );
    expect(failed).toMatchObject({
      status: 'cancelled',
      total: 0,
      import: {
        status: 'failed',
        rowsRead: 500,
        counts: { total: 500, accepted: 0, rejected: 500, duplicates: 0 },
        rejectedBy: { invalidAddress: 500 },
        error: 'file: no row of the file can be imported',
      },
    });
    expect(await stack.client.workflow.getHandle(importWorkflowId(res.body.id)).result()).toBe('failed');
  });

  it('when the mapping names a column a large file lacks, then it is a 400 and no campaign is made', async () => {
    const res = await upload(stack, org, contactsCsv(1000, 40), { mapping: JSON.stringify({ address: 'Mobile' }) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'mapping.address', message: 'the file has no column "Mobile"' }]);
  });
});

describe('a large import whose worker is killed', () => {
  let stack: TestStack;
  let org: Org;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ IMPORT_SYNC_MAX_BYTES: SYNC_MAX_BYTES }, { worker: false });
    org = await seedImportOrg(stack);
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await stack?.stop();
  });

  it('when the worker dies mid-batch, then another finishes the import from the last stored batch, with each row once', async () => {
    const csv = contactsCsv(3500, 30);
    const doomed = await spawnWorker(stack, 'crash-import-worker.ts', { ...BATCH, CRASH_ON_BATCH: '3' });
    workers.push(doomed);
    const res = await upload(stack, org, csv);
    expect(res.status).toBe(202);
    expect(await doomed.exited).toBe('SIGKILL');

    const halfway = await view(stack, org, res.body.id);
    expect(halfway.status).toBe('importing');
    expect(halfway.import).toMatchObject({ status: 'importing', rowsRead: 2000 });
    expect(halfway.import.counts.total).toBe(2000);

    workers.push(await spawnWorker(stack, undefined, BATCH));
    const done = await importDone(stack, org, res.body.id);
    expect(done.import.rowsRead).toBe(3500);
    const { members, rejections } = await rowsOf(stack, org, res.body.id);
    const rows = [...members.map((m) => m.campaign_seq), ...rejections.map((r) => r.row)].sort((a, b) => a! - b!);
    expect(rows).toEqual(Array.from({ length: 3500 }, (_, i) => i + 2));
    expect(new Set(members.map((m) => m.contact_id)).size).toBe(members.length);
    expect(done.import.counts).toEqual({
      total: 3500,
      accepted: members.length,
      rejected: rejections.filter((r) => r.reason !== 'duplicate').length,
      duplicates: rejections.filter((r) => r.reason === 'duplicate').length,
    });
    const sync = await upload(stack, org, csv, { dryRun: 'true' });
    expect(done.import.counts).toEqual(sync.body.counts);

    // The import ends once it has started the campaign, which goes on without it.
    expect(await stack.client.workflow.getHandle(importWorkflowId(res.body.id)).result()).toBe('done');
    expect((await view(stack, org, res.body.id)).status).not.toBe('importing');
    await recordHistory(importWorkflowId(res.body.id), 'import-campaign-resumed');
  });
});
