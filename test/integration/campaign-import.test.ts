import ExcelJS from 'exceljs';
import { recordConsent } from '../../db/consent';
import { upsertContacts } from '../../db/contacts';
import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';
import { makeZip } from '../helpers/zip';

const MAX_BYTES = 64 * 1024;
const MAX_UNPACKED = 4 * 1024 * 1024;
const PHONES = ['07911 123456', '+44 7911 123456', '0044 7911123456', '447911123456', '+447911123456'];

describe('campaigns from a contacts file', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack({ IMPORT_MAX_BYTES: MAX_BYTES, IMPORT_MAX_UNPACKED_BYTES: MAX_UNPACKED }, { worker: false });
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const counts = () => tableCounts(stack.db, [org.orgId]);

  /** Posts a multipart campaign; `parts` override the defaults, undefined drops one. */
  async function upload(
    file: Buffer | string | undefined,
    parts: Record<string, string | undefined> = {},
    filename = 'contacts.csv',
    headers: Record<string, string> = {},
  ) {
    const form = new FormData();
    const all: Record<string, string | undefined> = {
      journeyId: org.journeyId,
      channelId: org.channelId,
      mapping: JSON.stringify({ address: 'Phone' }),
      ...parts,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) form.append(k, v);
    if (file !== undefined) form.append('file', new Blob([file]), filename);
    const res = await fetch(`${stack.url}/v1/campaigns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.apiKey}`, ...headers },
      body: form,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  const rejectionsOf = (campaignId: string) =>
    stack.db
      .selectFrom('import_rejections')
      .select(['row', 'reason', 'detail'])
      .where('org_id', '=', org.orgId)
      .where('campaign_id', '=', campaignId)
      .orderBy('row')
      .execute();

  it('when a CSV has good, repeated, bad and opted-out rows, then the good ones start a campaign and the rest are in its report', async () => {
    const [stopped] = await upsertContacts(stack.db, org.orgId, org.channelId, [{ address: '+447911123499', fields: {} }], 100);
    await recordConsent(stack.db, { orgId: org.orgId, channelId: org.channelId, contactId: stopped, status: 'opted_out', source: 'api' });
    const csv = [
      'Phone;First;DOB;Ref;Notes',
      '07911 123401;Aoife;14/02/1985;C1;"two\nlines"',
      '+44 7911 123401;Again;;C2;',
      ';Nobody;;C3;',
      'call me;Text;;C4;',
      '07911 123402;Bram;31/02/1985;C5;',
      '07911 123499;Stop;;C6;',
      '07911 123403;Chen;1990-07-01;C7;=HYPERLINK("x")',
    ].join('\r\n');
    const res = await upload(csv, {
      name: 'From CSV',
      mapping: JSON.stringify({
        address: 'Phone',
        customerRef: 'Ref',
        fields: { firstName: 'First', dob: { column: 'DOB', type: 'date' } },
      }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/campaigns/${res.body.id}`);
    expect(res.body).toMatchObject({
      name: 'From CSV',
      total: 2,
      counts: { total: 7, accepted: 2, rejected: 4, duplicates: 1 },
      rejectedBy: { missingAddress: 1, invalidAddress: 1, badDate: 1, optedOut: 1 },
    });
    const members = await stack.db
      .selectFrom('conversations as v')
      .innerJoin('contacts as c', 'c.id', 'v.contact_id')
      .select(['c.address', 'c.fields', 'v.campaign_seq'])
      .where('v.campaign_id', '=', res.body.id)
      .orderBy('v.campaign_seq')
      .execute();
    expect(members).toEqual([
      {
        address: '+447911123401',
        campaign_seq: 1,
        fields: { firstName: 'Aoife', dob: '1985-02-14', customerRef: 'C1', Notes: 'two\nlines' },
      },
      {
        address: '+447911123403',
        campaign_seq: 2,
        fields: { firstName: 'Chen', dob: '1990-07-01', customerRef: 'C7', Notes: '=HYPERLINK("x")' },
      },
    ]);
    expect(await rejectionsOf(res.body.id)).toEqual([
      { row: 3, reason: 'duplicate', detail: 'duplicate of row 2' },
      { row: 4, reason: 'missingAddress', detail: 'no value in "Phone"' },
      { row: 5, reason: 'invalidAddress', detail: '"Phone" is not a valid phone number' },
      { row: 6, reason: 'badDate', detail: '"DOB" is not a date' },
      { row: 7, reason: 'optedOut', detail: 'opted out on this channel' },
    ]);

    const report = await api.get(`/v1/campaigns/${res.body.id}/import-report`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(report.body).toBe(
      [
        'row,reason,detail',
        '3,duplicate,duplicate of row 2',
        '4,missingAddress,"no value in ""Phone"""',
        '5,invalidAddress,"""Phone"" is not a valid phone number"',
        '6,badDate,"""DOB"" is not a date"',
        '7,optedOut,opted out on this channel',
        '',
      ].join('\r\n'),
    );
  });

  it('when another org asks for the report, then it is not found', async () => {
    const other = await seedOrg(stack.db, greetingJourney);
    const [campaign] = await stack.db.selectFrom('campaigns').select('id').where('org_id', '=', org.orgId).execute();
    const res = await apiClient(stack.url, other.apiKey).get(`/v1/campaigns/${campaign.id}/import-report`);
    expect(res.status).toBe(404);
  });

  it('when an XLSX writes one phone five ways, then one contact is accepted and four are duplicates of row 2, with typed cells as text', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Contacts');
    sheet.addRow(['Mobile', 'Name', 'Born', 'Owed']);
    sheet.addRow([PHONES[0], 'Aoife', new Date(Date.UTC(1985, 1, 14)), 1234.5]);
    for (const p of PHONES.slice(1)) sheet.addRow([p === '447911123456' ? 447911123456 : p, 'Again', null, 1]);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const res = await upload(
      xlsx,
      {
        mapping: JSON.stringify({
          address: 'Mobile',
          fields: { born: { column: 'Born', type: 'date' }, owed: { column: 'Owed', type: 'money' } },
        }),
      },
      'contacts.xlsx',
    );
    expect(res.status).toBe(201);
    expect(res.body.counts).toEqual({ total: 5, accepted: 1, rejected: 0, duplicates: 4 });
    expect(res.body.rejectedBy).toEqual({});
    expect(await rejectionsOf(res.body.id)).toEqual(
      [3, 4, 5, 6].map((row) => ({ row, reason: 'duplicate', detail: 'duplicate of row 2' })),
    );
    const contact = await stack.db
      .selectFrom('contacts')
      .select('fields')
      .where('org_id', '=', org.orgId)
      .where('address', '=', '+447911123456')
      .executeTakeFirstOrThrow();
    expect(contact.fields).toEqual({ Name: 'Aoife', born: '1985-02-14', owed: '1234.5' });
  });

  it('when a dry run is asked for, then it reports counts, missing values, a sample and an estimate, and stores nothing', async () => {
    const before = await counts();
    const csv = ['Phone,firstName', '07911 123501,Dara', '07911 123502,', '07911 123502,Dup', 'nope,X'].join('\n');
    const res = await upload(csv, { dryRun: 'true' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dryRun: true,
      counts: { total: 4, accepted: 2, rejected: 1, duplicates: 1 },
      rejectedBy: { invalidAddress: 1 },
      missingPlaceholders: { firstName: 1 },
      sample: [
        { address: '+447911123501', text: 'Hi Dara, this is Parley.' },
        { address: '+447911123502', text: 'Hi there, this is Parley.' },
      ],
      estimate: { ratePerSecond: 100, seconds: 1, sendingSeconds: 1, startsAt: expect.any(String), completesAt: expect.any(String) },
    });
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['binary garbage named .csv', Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 9, 0, 0, 0]), 'file'],
    ['an empty file', '', 'file'],
    ['a header row only', 'Phone,Name\n', 'file'],
    ['a file where every row is rejected', 'Phone\nnope\n\n+44\n', 'file'],
    ['no file part', undefined, 'file'],
  ])('when the upload is %s, then it is a 400 naming the file and nothing is stored', async (_what, file, field) => {
    const before = await counts();
    const res = await upload(file);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('when a file campaign is given a start time, a throttle and a send window, then it is scheduled with them', async () => {
    // A month from whenever the test runs: at most 366 days ahead are allowed.
    const startAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const sendWindow = { from: '09:00', to: '20:00' };
    const res = await upload('Phone\n07911123456\n', { startAt, ratePerMinute: '30', sendWindow: JSON.stringify(sendWindow) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ratePerMinute: 30, sendWindow });
    expect(new Date(res.body.startAt).toISOString()).toBe(new Date(startAt).toISOString());
    const view = await eventually(async () => {
      const r = await fetch(`${stack.url}/v1/campaigns/${res.body.id}`, { headers: { authorization: `Bearer ${org.apiKey}` } });
      const body = (await r.json()) as { status: string; counts: Record<string, number> };
      return body.status === 'scheduled' ? body : undefined;
    });
    expect(view.counts).toEqual({ pending: 1 });
    await fetch(`${stack.url}/v1/campaigns/${res.body.id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${org.apiKey}` } });
  });

  it('when every row is rejected, then the 400 carries the counts', async () => {
    const res = await upload('Phone\nnope\n07911123456\n+447911123456\n', {}, 'x.csv');
    expect(res.status).toBe(201);
    const bad = await upload('Phone\nnope\n\nalso bad\n');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ counts: { total: 2, accepted: 0, rejected: 2, duplicates: 0 }, rejectedBy: { invalidAddress: 2 } });
  });

  it.each([
    ['journeyId', { journeyId: undefined }],
    ['channelId', { channelId: undefined }],
    ['mapping', { mapping: '{not json' }],
    ['mapping', { mapping: undefined }],
    ['mapping.address', { mapping: JSON.stringify({ address: 'Mobile' }) }],
    ['mapping.fields.dob', { mapping: JSON.stringify({ address: 'Phone', fields: { dob: { column: 'Phone', type: 'bool' } } }) }],
    ['dryRun', { dryRun: 'yes' }],
    ['defaultCountry', { defaultCountry: 'gbr' }],
    ['colour', { colour: 'blue' }],
    ['startAt', { startAt: 'tomorrow' }],
    ['ratePerMinute', { ratePerMinute: 'fast' }],
    ['sendWindow.from', { sendWindow: JSON.stringify({ from: '9am', to: '20:00' }) }],
  ])('when the part %s is missing or bad, then it is a 400 naming it and nothing is stored', async (field, parts) => {
    const before = await counts();
    const res = await upload('Phone\n07911123456\n', parts);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('when an upload is retried with its Idempotency-Key, then the first answer is replayed; another file with that key is refused', async () => {
    const key = { 'idempotency-key': 'import-retry-1' };
    const csv = 'Phone,firstName\n07911 123601,Ines\n';
    const first = await upload(csv, { name: 'Retried' }, 'a.csv', key);
    expect(first.status).toBe(201);
    const before = await counts();
    const again = await upload(csv, { name: 'Retried' }, 'b.csv', key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await upload('Phone,firstName\n07911 123602,Jo\n', { name: 'Retried' }, 'a.csv', key);
    expect(other.status).toBe(422);
    expect(await counts()).toEqual(before);
  });

  it('when a part holds a NUL character, then it is a 400 naming it and nothing is stored', async () => {
    const before = await counts();
    const res = await upload('Phone\n07911123456\n', { name: 'bad\u0000name' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'name', message: 'contains a NUL character' }]);
    expect(await counts()).toEqual(before);
  });

  it('when an .xlsx is a zip bomb, then it is a 400 naming the file and its unpacked size, and nothing is stored', async () => {
    const before = await counts();
    const bomb = makeZip([{ name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(2 * MAX_UNPACKED), declaredSize: 100 }]);
    expect(bomb.length).toBeLessThan(MAX_BYTES);
    const res = await upload(bomb, {}, 'contacts.xlsx');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'file', message: 'the workbook unpacks to more than the configured limit (IMPORT_MAX_UNPACKED_BYTES)' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('when the multipart body is malformed or has two files, then it is a 400 naming the body or the file', async () => {
    const before = await counts();
    const noBoundary = await api.raw('POST', '/v1/campaigns', 'x', { 'content-type': 'multipart/form-data' });
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.body.errors[0].field).toBe('body');
    const form = new FormData();
    form.append('journeyId', org.journeyId);
    form.append('channelId', org.channelId);
    form.append('mapping', JSON.stringify({ address: 'Phone' }));
    form.append('file', new Blob(['Phone\n07911123456\n']), 'a.csv');
    form.append('file', new Blob(['Phone\n07911123457\n']), 'b.csv');
    const res = await fetch(`${stack.url}/v1/campaigns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.apiKey}` },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0].field).toBe('file');
    expect(await counts()).toEqual(before);
  });

  it('when the file is over the size limit, then it is a 413 naming the file and nothing is stored', async () => {
    const before = await counts();
    const big = `Phone,Pad\n${'07911123456,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'.repeat(Math.ceil((MAX_BYTES * 2) / 50))}`;
    const res = await upload(big);
    expect(res.status).toBe(413);
    expect(res.body.errors).toEqual([{ field: 'file', message: `larger than the limit of ${MAX_BYTES} bytes` }]);
    expect(await counts()).toEqual(before);
  });
});
