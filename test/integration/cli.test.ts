import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import busboy from 'busboy';
import { updateChannel } from '../../db/channels';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const LAUNCHER = path.join(__dirname, '..', '..', 'cli', 'parley.cjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real launcher in a child process, with only the given PARLEY_API_* variables. */
function parley(args: string[], vars: { url?: string; key?: string }): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PARLEY_API_URL;
  delete env.PARLEY_API_KEY;
  if (vars.url) env.PARLEY_API_URL = vars.url;
  if (vars.key) env.PARLEY_API_KEY = vars.key;
  return new Promise((resolve) => {
    execFile(process.execPath, [LAUNCHER, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Part {
  name: string;
  value?: string;
  filename?: string;
  mimeType?: string;
  content?: string;
}

/** A stand-in for the API that records each multipart request's parts, in order, and answers with `reply`. */
async function multipartServer(reply: (res: ServerResponse) => void) {
  const requests: { authorization?: string; parts: Part[] }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Part[] = [];
    const bb = busboy({ headers: req.headers });
    bb.on('field', (name, value) => parts.push({ name, value }));
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        parts.push({ name, filename: info.filename, mimeType: info.mimeType, content: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    bb.on('close', () => {
      requests.push({ authorization: req.headers.authorization, parts });
      reply(res);
    });
    req.pipe(bb);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('parley campaign create', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
  const csv = path.join(dir, 'contacts.csv');
  const CSV = 'Mobile,CustomerRef,First\r\n07911 123456,C-1,Aoife\r\n';
  writeFileSync(csv, CSV);
  const KEY = `pk_000000000000_${'K'.repeat(32)}`;

  it('when given a file, options and a mapping, then it posts exactly these multipart parts and prints the dry-run report', async () => {
    const server = await multipartServer((res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          counts: { total: 3, accepted: 1, rejected: 1, duplicates: 1 },
          rejectedBy: { unparseable_phone: 1 },
          missingPlaceholders: { firstName: 0 },
          sample: ['Hi Aoife! This is the Parley demo.'],
        }),
      ),
    );
    try {
      const args = ['campaign', 'create', csv, '--journey', 'j-1', '--channel', 'c-1'];
      const run = await parley(
        [...args, '--map', 'phone=Mobile,ref=CustomerRef,firstName=First', '--country', 'gb', '--dry-run', '--name', 'Spring'],
        { url: server.url, key: KEY },
      );
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0].authorization).toBe(`Bearer ${KEY}`);
      expect(server.requests[0].parts).toEqual([
        { name: 'journeyId', value: 'j-1' },
        { name: 'channelId', value: 'c-1' },
        { name: 'mapping', value: '{"address":"Mobile","customerRef":"CustomerRef","fields":{"firstName":"First"}}' },
        { name: 'defaultCountry', value: 'GB' },
        { name: 'dryRun', value: 'true' },
        { name: 'name', value: 'Spring' },
        { name: 'file', filename: 'contacts.csv', mimeType: 'text/csv', content: CSV },
      ]);
      expect(run.stdout).toContain('  accepted: 1');
      expect(run.stdout).toContain('  unparseable_phone: 1');
      expect(run.stdout).toContain('  - Hi Aoife! This is the Parley demo.');

      const json = await parley([...args, '--json'], { url: server.url, key: KEY });
      expect(JSON.parse(json.stdout)).toMatchObject({ counts: { total: 3, accepted: 1 } });
      expect(server.requests[1].parts.map((p) => p.name)).toEqual(['journeyId', 'channelId', 'file']);
    } finally {
      await server.close();
    }
  });

  it('when the file is a spreadsheet, then its part carries the spreadsheet content type', async () => {
    const xlsx = path.join(dir, 'Contacts.XLSX');
    const xls = path.join(dir, 'old.xls');
    writeFileSync(xlsx, 'PK');
    writeFileSync(xls, 'BIFF');
    const server = await multipartServer((res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"x"}'));
    try {
      for (const file of [xlsx, xls]) {
        const run = await parley(['campaign', 'create', file, '--journey', 'j', '--channel', 'c'], { url: server.url, key: KEY });
        expect(run.code).toBe(0);
      }
      expect(server.requests.map((r) => r.parts.at(-1))).toEqual([
        {
          name: 'file',
          filename: 'Contacts.XLSX',
          mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          content: 'PK',
        },
        { name: 'file', filename: 'old.xls', mimeType: 'application/vnd.ms-excel', content: 'BIFF' },
      ]);
    } finally {
      await server.close();
    }
  });

  it('when the API answers a problem, then it prints the detail and each field error and exits 1', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Invalid request',
      status: 400,
      detail: 'mapping.address: column "Mobile" is not in the file',
      errors: [{ field: 'mapping.address', message: 'column "Mobile" is not in the file' }],
    };
    const server = await multipartServer((res) =>
      res.writeHead(400, { 'content-type': 'application/problem+json' }).end(JSON.stringify(problem)),
    );
    try {
      const run = await parley(['campaign', 'create', csv, '--journey', 'j', '--channel', 'c'], { url: server.url, key: KEY });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'parley: Invalid request (HTTP 400): mapping.address: column "Mobile" is not in the file\n' +
          '  mapping.address: column "Mobile" is not in the file\n',
      );
      const json = await parley(['campaign', 'create', csv, '--journey', 'j', '--channel', 'c', '--json'], { url: server.url, key: KEY });
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stderr).problem).toEqual(problem);
    } finally {
      await server.close();
    }
  });

  it('when the file does not exist, then it says so and sends nothing', async () => {
    const server = await multipartServer((res) => res.writeHead(201).end());
    try {
      const run = await parley(['campaign', 'create', path.join(dir, 'nope.csv'), '--journey', 'j', '--channel', 'c'], {
        url: server.url,
        key: KEY,
      });
      expect(run).toMatchObject({ code: 1, stderr: `parley: cannot read ${path.join(dir, 'nope.csv')}: ENOENT\n` });
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('parley against a running stack', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let campaignId: string;
  const cli = (...args: string[]) => parley(args, { url: stack.url, key: org.apiKey });
  const statusIs = (status: string) =>
    eventually(
      async () => ((await api.get(`/v1/campaigns/${campaignId}`)).body.status === status ? true : undefined),
      30_000,
      `campaign ${status}`,
    );

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db);
    api = apiClient(stack.url, org.apiKey);
    // One send every five seconds: the campaign stays running while the CLI drives it.
    await updateChannel(stack.db, org.orgId, org.channelId, { config: { ratePerSecond: 0.2 } });
    const contacts = Array.from({ length: 20 }, (_, i) => ({ address: `07911 1234${String(i).padStart(2, '0')}` }));
    const res = await api.post('/v1/campaigns', { journeyId: org.journeyId, channelId: org.channelId, contacts });
    expect(res.status).toBe(201);
    campaignId = res.body.id;
    await statusIs('running');
  });
  afterAll(() => stack?.stop());

  it('when paused, started, paused and resumed through the CLI, then the API shows each state', async () => {
    const pause = await cli('campaign', 'pause', campaignId);
    expect(pause).toMatchObject({ code: 0, stderr: '' });
    expect(pause.stdout).toBe(`campaign ${campaignId}: pause requested (status was running)\n`);
    await statusIs('paused');

    const start = await cli('campaign', 'start', campaignId, '--json');
    expect(start.code).toBe(0);
    expect(JSON.parse(start.stdout)).toMatchObject({ id: campaignId, status: 'paused', requested: 'resume' });
    await statusIs('running');

    const again = await cli('campaign', 'start', campaignId);
    expect(again.stdout).toBe(`campaign ${campaignId} is already running; nothing to start\n`);

    expect((await cli('campaign', 'pause', campaignId)).code).toBe(0);
    await statusIs('paused');
    expect((await cli('campaign', 'resume', campaignId)).code).toBe(0);
    await statusIs('running');
  });

  it('when watched once, then it prints one line of sent and replied counts, and JSON with --json', async () => {
    const line = await cli('campaign', 'watch', campaignId, '--once');
    expect(line.code).toBe(0);
    expect(line.stdout).toMatch(new RegExp(`^campaign ${campaignId} running: sent \\d+/20 \\(\\d+%\\), replied \\d+, -/s, ETA -\\n$`));

    const json = await cli('campaign', 'watch', campaignId, '--once', '--json');
    const view = (await api.get(`/v1/campaigns/${campaignId}`)).body;
    const shown = JSON.parse(json.stdout);
    expect(shown).toMatchObject({ id: campaignId, status: 'running', total: 20 });
    expect(shown.sent).toBeGreaterThanOrEqual(1);
    expect(shown.sent).toBeLessThanOrEqual((view.counts.active ?? 0) + (view.counts.ended ?? 0) + (view.counts.handoff ?? 0));
  });

  it('when a conversation has messages, then its transcript prints as text, JSON and CSV', async () => {
    const conversation = await stack.db
      .selectFrom('conversations')
      .select('id')
      .where('campaign_id', '=', campaignId)
      .where('campaign_seq', '=', 1)
      .executeTakeFirstOrThrow();
    const transcriptPath = `/v1/conversations/${conversation.id}/transcript`;
    const fromApi = await eventually(async () => {
      const r = await api.get(transcriptPath);
      return r.body.messages.length > 0 ? r.body : undefined;
    });

    const text = await cli('conversation', 'transcript', conversation.id);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(`conversation ${conversation.id}: ${fromApi.status}`);
    expect(text.stdout).toContain('> bot');
    expect(text.stdout).toContain(': Hi there! This is the Parley demo.');

    const json = await cli('conversation', 'transcript', conversation.id, '--json');
    expect(JSON.parse(json.stdout).messages.slice(0, 1)).toEqual(fromApi.messages.slice(0, 1));

    const csv = await cli('conversation', 'transcript', conversation.id, '--csv');
    expect(csv.stdout).toMatch(/^id,createdAt,direction,author,status,text\r\n/);
    expect(csv.stdout).toContain(',out,bot,');
  });

  it('when cancelled with --end-running, then the campaign is cancelled and watch exits at once', async () => {
    const cancel = await cli('campaign', 'cancel', campaignId, '--end-running');
    expect(cancel).toMatchObject({ code: 0, stdout: `campaign ${campaignId}: cancel requested (status was running)\n` });
    await statusIs('cancelled');

    const watch = await cli('campaign', 'watch', campaignId, '--interval', '0.2');
    expect(watch.code).toBe(0);
    expect(watch.stdout).toMatch(new RegExp(`^campaign ${campaignId} cancelled: sent \\d+/20 .*ETA 0s\\n$`));
  });

  it('when a finished campaign is started or paused, then it exits 1 with the reason', async () => {
    expect(await cli('campaign', 'start', campaignId)).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'parley: campaign is cancelled; it cannot be started\n',
    });
    expect(await cli('campaign', 'pause', campaignId)).toMatchObject({
      code: 1,
      stderr: 'parley: Conflict (HTTP 409): campaign is cancelled; it cannot be paused\n',
    });
  });

  it('when the id is unknown, then it prints the problem detail and exits 1', async () => {
    const id = randomUUID();
    expect(await cli('campaign', 'watch', id, '--once')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'parley: Not Found (HTTP 404): campaign not found\n',
    });
    const json = await cli('conversation', 'transcript', id, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toMatchObject({ problem: { status: 404, detail: 'conversation not found' } });
  });

  it('when the key is missing or wrong, then it exits 1 with a clear message and never prints the key', async () => {
    const missing = await parley(['campaign', 'pause', campaignId], { url: stack.url });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('parley: PARLEY_API_KEY is not set: export an API key of your organisation (pk_...)\n');

    const wrongKey = `pk_000000000000_${'W'.repeat(32)}`;
    const wrong = await parley(['campaign', 'pause', campaignId], { url: stack.url, key: wrongKey });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^parley: .*\(HTTP 401\)/);
    expect(wrong.stderr + wrong.stdout).not.toContain('W'.repeat(32));
    expect((await api.get(`/v1/campaigns/${campaignId}`)).body.status).toBe('cancelled');
  });

  it('when the API cannot be reached, or its URL holds a password, then it says so without printing secrets', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const run = await parley(['campaign', 'watch', campaignId, '--once'], { url: `http://127.0.0.1:${port}/`, key: org.apiKey });
    expect(run).toMatchObject({ code: 1, stderr: `parley: cannot reach the API at http://127.0.0.1:${port}: ECONNREFUSED\n` });
    const withPassword = await parley(['campaign', 'watch', campaignId, '--once'], {
      url: `http://ops:hunter2@127.0.0.1:${port}`,
      key: org.apiKey,
    });
    expect(withPassword.code).toBe(1);
    expect(withPassword.stderr).toBe('parley: PARLEY_API_URL must not hold a user name or password; the key is PARLEY_API_KEY\n');
  });
});
