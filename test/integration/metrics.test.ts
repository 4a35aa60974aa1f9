import { randomBytes, randomUUID } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { greetingJourney } from '../fixtures/journeys';
import { type Sample, parseExposition, valueOf } from '../helpers/prometheus';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const { freePort } = require('../../scripts/temporal.cjs');

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const LATENCY = 'parley_http_request_duration_seconds_count';

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseExposition(await res.text());
}

/** Conversation rows in a state no workflow is needed for, straight into the database. */
async function seedSkipped(stack: TestStack, org: Awaited<ReturnType<typeof seedOrg>>, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const contact = await stack.db
      .insertInto('contacts')
      .values({
        org_id: org.orgId,
        channel_id: org.channelId,
        address: `+4479111235${String(i).padStart(2, '0')}`,
        fields: JSON.stringify({}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = await stack.db
      .insertInto('conversations')
      .values({
        org_id: org.orgId,
        contact_id: contact.id,
        channel_id: org.channelId,
        journey_id: org.journeyId,
        journey_version: 1,
        workflow_id: `metrics-test-${randomBytes(6).toString('hex')}`,
        status: 'skipped',
        notes: '[]',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

describe('GET /metrics on the API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('when routes are called, then latency is counted by route template and status class, with no ids in any label', async () => {
    const org = await seedOrg(stack.db, greetingJourney);
    const ids = await seedSkipped(stack, org, 3);
    const api = apiClient(stack.url, org.apiKey);
    const missing = randomUUID();
    const strayPath = `/v1/nothing-here/${randomUUID()}`;

    for (const id of ids) expect((await api.get(`/v1/conversations/${id}`)).status).toBe(200);
    expect((await api.get(`/v1/conversations/${missing}`)).status).toBe(404);
    expect((await api.get(`/v1/conversations/${ids[0]}/transcript`)).status).toBe(200);
    expect((await api.post('/v1/journeys', { name: 'x' })).status).toBe(400);
    expect((await api.get('/v1/journeys')).status).toBe(200);
    expect((await api.get(strayPath)).status).toBe(404);

    const samples = await scrape(stack.url);
    expect(valueOf(samples, LATENCY, { method: 'GET', route: '/v1/conversations/:id', status_class: '2xx' })).toBe(3);
    expect(valueOf(samples, LATENCY, { method: 'GET', route: '/v1/conversations/:id', status_class: '4xx' })).toBe(1);
    expect(valueOf(samples, LATENCY, { method: 'GET', route: '/v1/conversations/:id/transcript', status_class: '2xx' })).toBe(1);
    expect(valueOf(samples, LATENCY, { method: 'POST', route: '/v1/journeys', status_class: '4xx' })).toBe(1);
    expect(valueOf(samples, LATENCY, { method: 'GET', route: '/v1/journeys', status_class: '2xx' })).toBe(1);
    expect(valueOf(samples, LATENCY, { method: 'GET', route: 'unmatched', status_class: '4xx' })).toBe(1);

    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    const secrets = [...ids, missing, strayPath, org.orgId, org.channelId, org.journeyId, org.apiKey];
    expect(labelValues.filter((v) => UUID.test(v) || secrets.some((s) => v.includes(s)))).toEqual([]);
    const routes = new Set(samples.filter((s) => s.name === LATENCY).map((s) => s.labels.route));
    expect([...routes].sort()).toEqual(['/v1/conversations/:id', '/v1/conversations/:id/transcript', '/v1/journeys', 'unmatched']);
  });

  it('when an acknowledged message waits to be routed, then the inbound queue gauges show it, and drop when it is routed', async () => {
    const org = await seedOrg(stack.db, greetingJourney);
    const { id } = await stack.db
      .insertInto('messages')
      .values({
        org_id: org.orgId,
        channel_id: org.channelId,
        direction: 'in',
        author: 'contact',
        body: 'hi',
        status: 'received',
        provider_message_id: `metrics-${randomUUID()}`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // On a task queue no relay serves, so it stays until the test takes it away.
    await stack.db
      .insertInto('inbound_queue')
      .values({
        message_id: id,
        org_id: org.orgId,
        channel_id: org.channelId,
        address: '+447911123456',
        task_queue: `nobody-${randomUUID()}`,
      })
      .execute();
    // An hour old: no other test's message is, so the age is ours alone.
    await sql`update inbound_queue set created_at = now() - interval '1 hour' where message_id = ${id}`.execute(stack.db);
    const waiting = await scrape(stack.url);
    expect(valueOf(waiting, 'parley_inbound_queue_depth', {})).toBeGreaterThanOrEqual(1);
    expect(valueOf(waiting, 'parley_inbound_queue_oldest_seconds', {})).toBeGreaterThanOrEqual(3600);
    await stack.db.deleteFrom('inbound_queue').where('message_id', '=', id).execute();
    // Past the gauges' one-second cache, a read without it.
    await eventually(async () =>
      (valueOf(await scrape(stack.url), 'parley_inbound_queue_oldest_seconds', {}) ?? 3600) < 3600 ? true : undefined,
    );
  });

  it('when conversations are added, then the gauge by state counts them', async () => {
    const before = await scrape(stack.url);
    const skippedBefore = valueOf(before, 'parley_conversations', { state: 'skipped' })!;
    expect(
      before
        .filter((s) => s.name === 'parley_conversations')
        .map((s) => s.labels.state)
        .sort(),
    ).toEqual(['active', 'cancelled', 'ended', 'handoff', 'pending', 'skipped']);

    const org = await seedOrg(stack.db, greetingJourney);
    await seedSkipped(stack, org, 3);
    // Counts are cached for a few seconds, and other test files add rows meanwhile: at least ours show up.
    await eventually(
      async () => {
        const now = valueOf(await scrape(stack.url), 'parley_conversations', { state: 'skipped' })!;
        return now >= skippedBefore + 3 ? now : undefined;
      },
      20_000,
      'the three skipped conversations in parley_conversations',
    );
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const token = randomBytes(24).toString('base64url');
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ METRICS_TOKEN: token }, { worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('when the bearer token is missing or wrong, then 401 problem+json, and with it the metrics', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: `Basic ${token}` },
    ]) {
      const res = await fetch(`${stack.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const samples = await scrape(stack.url, { authorization: `Bearer ${token}` });
    expect(valueOf(samples, LATENCY, { method: 'GET', route: '/metrics', status_class: '4xx' })).toBe(3);
  });
});

describe("the worker's Temporal SDK metrics", () => {
  let api: TestStack;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    api = await startTestStack({}, { worker: false });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await api?.stop();
  });

  it('when WORKER_METRICS_ADDRESS is set, then the worker serves the SDK metrics of its task queue there', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'bundle-worker.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: api.config.DATABASE_URL,
        DATABASE_POOL_MAX: '2',
        TEMPORAL_ADDRESS: api.config.TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: api.config.TEMPORAL_TASK_QUEUE,
        PARLEY_MASTER_KEY: api.config.PARLEY_MASTER_KEY,
        LOG_LEVEL: 'silent',
        WORKER_METRICS_ADDRESS: address,
        PARLEY_WORKFLOW_BUNDLE: process.env.PARLEY_TEST_BUNDLE,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.once('data', () => resolve());
      child!.once('exit', (code) => reject(new Error(`metrics worker exited with ${code}`)));
    });

    const org = await seedOrg(api.db, greetingJourney);
    const res = await apiClient(api.url, org.apiKey).post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123496' },
    });
    expect(res.status).toBe(201);

    const queue = { task_queue: api.config.TEMPORAL_TASK_QUEUE };
    const samples = await eventually(
      async () => {
        const all = await scrape(`http://${address}`);
        const tasks = all.filter(
          (s) =>
            s.name === 'temporal_workflow_task_execution_latency_count' &&
            s.labels.task_queue === queue.task_queue &&
            s.labels.workflow_type === 'conversation',
        );
        return tasks.some((s) => s.value >= 1) ? all : undefined;
      },
      30_000,
      'workflow task metrics of the conversation on our task queue',
    );
    expect(samples.some((s) => s.name === 'temporal_num_pollers' && s.labels.task_queue === queue.task_queue)).toBe(true);
    const stopped = new Promise((resolve) => child!.once('exit', (code, signal) => resolve(code ?? signal)));
    child.kill('SIGTERM');
    expect(await stopped).toBe(0);
  }, 90_000);
});
