import { recordEvent } from '../../db/events';
import { type WorkerProcess, spawnWorker } from '../helpers/spawn-worker';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';
import { startReceiver } from '../helpers/webhook-receiver';

const EVENTS = 2_000;
const WORKER_ENV = { OUTBOUND_ALLOW: '127.0.0.1', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_RETRY_SCALE: '0.001' };

describe('webhook delivery survives a worker killed in the middle of a burst', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ OUTBOUND_ALLOW: ['127.0.0.1'] }, { worker: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await receiver?.close();
    await stack?.stop();
  });

  it('when the worker is SIGKILLed during 2,000 events, then a new worker delivers every one, and duplicates carry the same id', async () => {
    workers.push(await spawnWorker(stack, 'worker-process.ts', WORKER_ENV));
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const created = await api.post('/v1/webhooks', { url: `${receiver.base}/burst`, events: ['outcomeSet'] });
    expect(created.status).toBe(201);
    const ids = new Set<string>();
    for (let i = 0; i < EVENTS; i += 100) {
      await stack.db.transaction().execute(async (trx) => {
        for (let j = 0; j < 100; j++) ids.add((await recordEvent(trx, { orgId: org.orgId, type: 'outcomeSet', data: { n: i + j } })).id);
      });
    }
    await eventually(async () => (receiver.received.length >= 200 ? true : undefined), 60_000, 'the first deliveries');
    expect(await workers[0].kill()).toBe('SIGKILL');
    const atKill = new Set(receiver.received.map((r) => r.id)).size;
    expect(atKill).toBeLessThan(EVENTS);
    workers.push(await spawnWorker(stack, 'worker-process.ts', WORKER_ENV));
    await eventually(async () => (new Set(receiver.received.map((r) => r.id)).size === EVENTS ? true : undefined), 110_000, 'every event');
    for (const r of receiver.received) {
      expect(ids.has(r.id)).toBe(true);
      expect(JSON.parse(r.body).id).toBe(r.id);
    }
  });
});
