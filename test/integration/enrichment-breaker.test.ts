import { type Server, createServer } from 'node:http';
import { conversationWorkflowId } from '../../workflows/contracts';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const journey = {
  name: 'Balance',
  start: 'lookup',
  steps: [
    { id: 'lookup', kind: 'enrich', fields: ['balance'], next: 'show', onError: 'sorry' },
    { id: 'show', kind: 'message', text: 'You owe <<balance>>.', next: 'done' },
    { id: 'sorry', kind: 'message', text: 'We could not look up your balance.', next: 'done' },
    { id: 'done', kind: 'end', outcome: 'Informed' },
  ],
};

const ADDRESSES = ['07911 123471', '07911 123472', '07911 123473'];

/** The org's endpoint: down (503) or up (slow 200s), and every request's start and end, to see overlaps. */
function startEndpoint() {
  const log: { start: number; end?: number; status: number }[] = [];
  let up = false;
  const server: Server = createServer((req, res) => {
    const entry = { start: performance.now(), end: undefined as number | undefined, status: up ? 200 : 503 };
    log.push(entry);
    const finish = () => {
      entry.end = performance.now();
      if (entry.status === 503) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"£42"}');
    };
    // Up, it answers slowly: a second request made while the probe is out would overlap it.
    if (up) setTimeout(finish, 300);
    else finish();
  });
  return new Promise<{ base: string; server: Server; log: typeof log; recover: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        server,
        log,
        recover: () => void (up = true),
      }),
    ),
  );
}

describe("an organisation's enrichment circuit breaker", () => {
  let stack: TestStack;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;

  beforeAll(async () => {
    // Two attempts per enrichment: without the breaker every conversation would follow onError within seconds.
    stack = await startTestStack({
      OUTBOUND_ALLOW: ['127.0.0.1'],
      ENRICH_MAX_ATTEMPTS: 2,
      ENRICH_BREAKER_FAILURES: 1,
      ENRICH_BREAKER_OPEN_MS: 8_000,
      ENRICH_BREAKER_PROBE_LEASE_MS: 10_000,
    });
    endpoint = await startEndpoint();
  });
  afterAll(async () => {
    endpoint?.server.close();
    await stack?.stop();
  });

  it('when the endpoint is down, then conversations wait on a timer instead of failing, and resume after one probe finds it up', async () => {
    const org = await seedOrg(stack.db, journey, { enrichmentUrl: `${endpoint.base}/balance` });
    const api = apiClient(stack.url, org.apiKey);
    const ids: string[] = [];
    for (const address of ADDRESSES) {
      const res = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }

    // Every conversation is held on a timer by the open breaker.
    for (const id of ids) {
      await eventually(
        async () => {
          const { events } = await stack.client.workflow.getHandle(conversationWorkflowId(id)).fetchHistory();
          return events?.some((e) => e.timerStartedEventAttributes) ? true : undefined;
        },
        30_000,
        'a conversation waiting on the breaker',
      );
    }
    const breaker = await stack.db.selectFrom('enrichment_breakers').selectAll().where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(breaker.state).toBe('open');
    const whileDown = endpoint.log.length;
    expect(whileDown).toBeGreaterThanOrEqual(1);
    expect(whileDown).toBeLessThanOrEqual(ADDRESSES.length * 2);
    for (const id of ids) expect((await api.get(`/v1/conversations/${id}`)).body.status).toBe('active');

    endpoint.recover();
    for (const address of ADDRESSES) {
      expect(await sandboxPhone(api, org.channelId, address).receive(1, 60_000)).toEqual(['You owe £42.']);
    }

    // After recovery: the first request is the probe alone; nothing else reached the endpoint until it answered.
    const after = endpoint.log.slice(whileDown);
    const probe = after[0];
    expect(probe.status).toBe(200);
    expect(after.filter((r) => r.start < probe.end!)).toHaveLength(1);
    expect(after).toHaveLength(ADDRESSES.length);
    const closed = await stack.db.selectFrom('enrichment_breakers').selectAll().where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(closed).toMatchObject({ state: 'closed', failures: 0 });
  });
});
