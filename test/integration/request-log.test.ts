import { sql } from 'kysely';
import { pruneRequestLog } from '../../db/request-log';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

describe('per-key rate limit and request log', () => {
  let stack: TestStack;
  let second: TestStack;

  beforeAll(async () => {
    // One request per 100 s refills: the burst of 3 is all a key gets during the test, however slow the machine.
    // Two API processes on one database share each key's schedule.
    [stack, second] = await Promise.all([
      startTestStack({ API_KEY_RATE: 0.01, API_KEY_BURST: 3 }, { worker: false }),
      startTestStack({ API_KEY_RATE: 0.01, API_KEY_BURST: 3 }, { worker: false }),
    ]);
  });
  afterAll(() => Promise.all([stack?.stop(), second?.stop()]));

  it('when a key spends its burst, then the next request is 429 with Retry-After, and another key is unaffected', async () => {
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const elsewhere = apiClient(second.url, org.apiKey);
    const statuses = [];
    for (const client of [api, elsewhere, api]) statuses.push((await client.get('/v1/journeys')).status);
    expect(statuses).toEqual([200, 200, 200]);
    // The other process has no fresh bucket for the key: the burst is spent for both.
    expect((await elsewhere.get('/v1/journeys')).status).toBe(429);
    const limited = await api.get('/v1/journeys');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(99);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(100);
    // A token spends its key's bucket, not a fresh one.
    expect((await api.post('/v1/auth/token')).status).toBe(429);

    const other = await seedOrg(stack.db);
    expect((await apiClient(stack.url, other.apiKey).get('/v1/journeys')).status).toBe(200);
  });

  it('when requests are made, then the log has route templates, statuses and key prefixes, never ids, query values or bodies', async () => {
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const marker = 'secret-marker-07911123456';
    expect((await api.get(`/v1/journeys/${org.journeyId}?version=1&x=${marker}`)).status).toBe(200);
    expect((await api.post('/v1/journeys', { name: marker })).status).toBe(400);
    expect((await api.get(`/v1/channels/${org.channelId}`)).status).toBe(200);

    const rows = await eventually(
      async () => {
        const found = await stack.db.selectFrom('request_log').selectAll().where('org_id', '=', org.orgId).orderBy('id').execute();
        return found.length === 3 ? found : undefined;
      },
      10_000,
      'the request log rows',
    );
    const prefix = `pk_${org.apiKey.split('_')[1]}`;
    expect(rows.map((r) => `${r.key_prefix} ${r.method} ${r.route} ${r.status}`)).toEqual([
      `${prefix} GET /v1/journeys/:id 200`,
      `${prefix} POST /v1/journeys 400`,
      `${prefix} GET /v1/channels/:id 200`,
    ]);
    expect(rows.every((r) => r.latency_ms >= 0 && r.at instanceof Date)).toBe(true);
    const text = JSON.stringify(rows);
    for (const leak of [marker, org.journeyId, org.channelId, 'version', org.apiKey]) expect(text).not.toContain(leak);
  });

  it('when the admin pages the request log, then it sees its own org only, after the last id seen', async () => {
    const org = await seedOrg(stack.db);
    const other = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    // Three requests: the whole burst; the rows are awaited in the database, not by polling the API.
    const logged = (n: number) =>
      eventually(
        async () => {
          const rows = await stack.db.selectFrom('request_log').select('id').where('org_id', '=', org.orgId).execute();
          return rows.length === n ? rows : undefined;
        },
        10_000,
        `${n} logged requests`,
      );
    await apiClient(stack.url, other.apiKey).get('/v1/org');
    expect((await api.get('/v1/org')).status).toBe(200);
    await logged(1);
    const first = await api.get('/v1/request-log?limit=1');
    expect(first.body.requests.map((r: { route: string; status: number }) => `${r.route} ${r.status}`)).toEqual(['/v1/org 200']);
    await logged(2);
    const next = await api.get(`/v1/request-log?after=${first.body.requests[0].id}`);
    expect(next.body.requests.map((r: { route: string }) => r.route)).toEqual(['/v1/request-log']);
  });

  it('when the stack stops cleanly, then the rows still waiting are written', async () => {
    const other = await startTestStack({}, { worker: false });
    const org = await seedOrg(other.db);
    expect((await apiClient(other.url, org.apiKey).get('/v1/org')).status).toBe(200);
    await other.stop();
    const rows = await stack.db.selectFrom('request_log').select('route').where('org_id', '=', org.orgId).execute();
    expect(rows).toEqual([{ route: '/v1/org' }]);
  });

  it("when housekeeping runs, then each org's rows older than its requestLogDays go, and the default keeps 30 days", async () => {
    const short = await seedOrg(stack.db);
    const standard = await seedOrg(stack.db);
    const patched = await apiClient(stack.url, short.apiKey).raw('PATCH', '/v1/org', { requestLogDays: 2 });
    expect(patched.status).toBe(200);
    expect(patched.body.requestLogDays).toBe(2);
    const row = (orgId: string, days: number) => ({
      org_id: orgId,
      at: sql<Date>`now() - ${days} * interval '1 day'`,
      key_prefix: 'pk_test',
      method: 'GET',
      route: `/v1/${days}`,
      status: 200,
      latency_ms: 1,
    });
    await stack.db
      .insertInto('request_log')
      .values([row(short.orgId, 3), row(short.orgId, 1), row(standard.orgId, 3), row(standard.orgId, 31)])
      .execute();
    await pruneRequestLog(stack.db, 30);
    const left = await stack.db
      .selectFrom('request_log')
      .select(['org_id', 'route'])
      .where('org_id', 'in', [short.orgId, standard.orgId])
      .where('key_prefix', '=', 'pk_test')
      .execute();
    expect(left.map((r) => `${r.org_id === short.orgId ? 'short' : 'standard'} ${r.route}`).sort()).toEqual([
      'short /v1/1',
      'standard /v1/3',
    ]);
  });
});
