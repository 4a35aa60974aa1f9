import { recordEvent } from '../../db/events';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';
import { startReceiver } from '../helpers/webhook-receiver';

// A short disable period stands in for days: the endpoint must fail every attempt over it, not once.
const DISABLE_AFTER_MS = 300;

describe('an endpoint failing every attempt for WEBHOOK_DISABLE_AFTER_MS', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    stack = await startTestStack({
      OUTBOUND_ALLOW: ['127.0.0.1'],
      WEBHOOK_RETRY_SCALE: 0.001,
      WEBHOOK_TIMEOUT_MS: 2_000,
      WEBHOOK_DISABLE_AFTER_MS: DISABLE_AFTER_MS,
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('when every attempt fails for the period, then the endpoint is disabled with an endpointDisabled notice', async () => {
    receiver.answer((_r, res) => void res.writeHead(500).end('down'));
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const created = await api.post('/v1/webhooks', { url: `${receiver.base}/down`, events: ['outcomeSet'] });
    expect(created.status).toBe(201);
    await recordEvent(stack.db, { orgId: org.orgId, type: 'outcomeSet', data: {} });
    const shown = await eventually(async () => {
      const r = await api.get(`/v1/webhooks/${created.body.id}`);
      return r.body.status === 'disabled' ? r.body : undefined;
    }, 60_000);
    expect(shown.disabledReason).toMatch(/every attempt failed/);
    expect(shown.notices).toEqual([expect.objectContaining({ type: 'endpointDisabled', reason: shown.disabledReason })]);
    // Not on the first failure: it kept trying over the period.
    const attempts = receiver.at('/down');
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.at(-1)!.at - attempts[0]!.at).toBeGreaterThanOrEqual(DISABLE_AFTER_MS - 50);
  });
});
