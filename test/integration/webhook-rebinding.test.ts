import { type Socket, createServer } from 'node:net';
import { recordEvent } from '../../db/events';
import { startDnsServer } from '../helpers/dns-server';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

// A public address that is never connected to: the name points there only while the endpoint is saved.
const PUBLIC_IP = '93.184.215.14';

describe('a webhook host whose DNS answer changes after it was saved reaches nothing private', () => {
  let stack: TestStack;
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  const connections: Socket[] = [];
  const local = createServer((socket) => void connections.push(socket.destroy() as Socket));

  beforeAll(async () => {
    dns = await startDnsServer();
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    stack = await startTestStack({
      OUTBOUND_DNS_SERVERS: [dns.server],
      WEBHOOK_RETRY_SCALE: 0.001,
      WEBHOOK_TIMEOUT_MS: 2_000,
      WEBHOOK_DISABLE_AFTER_MS: 60 * 60_000,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await dns?.close();
    await new Promise((resolve) => local.close(resolve));
  });

  it('when the name resolves to a private address at creation, then it is a 422 naming url', async () => {
    const org = await seedOrg(stack.db);
    dns.set('internal.customer.test', '10.1.2.3');
    const res = await apiClient(stack.url, org.apiKey).post('/v1/webhooks', {
      url: 'https://internal.customer.test/events',
      events: ['outcomeSet'],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors?.[0]?.field).toBe('url');
    expect(dns.questions).toContain('A internal.customer.test');
  });

  it('when the name later resolves to loopback, then each delivery is refused before it connects, with the reason recorded', async () => {
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const port = (local.address() as { port: number }).port;
    dns.set('hooks.customer.test', PUBLIC_IP);
    const created = await api.post('/v1/webhooks', { url: `https://hooks.customer.test:${port}/events`, events: ['outcomeSet'] });
    expect(created.status).toBe(201);

    dns.set('hooks.customer.test', '127.0.0.1');
    const asked = dns.questions.length;
    await recordEvent(stack.db, { orgId: org.orgId, type: 'outcomeSet', data: { outcome: 'Paid' } });
    const attempts = await eventually(async () => {
      const page = (await api.get(`/v1/webhooks/${created.body.id}/deliveries`)).body;
      return page.deliveries.length >= 2 ? page.deliveries : undefined;
    }, 30_000);
    expect(dns.questions.length).toBeGreaterThan(asked);
    for (const a of attempts) {
      expect(a).toMatchObject({ status: 'failed', responseStatus: null });
      expect(a.error).toMatch(/loopback/);
    }
    expect(connections).toHaveLength(0);
  });
});
