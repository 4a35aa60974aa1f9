import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { recordEvent } from '../../db/events';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';
import { startReceiver } from '../helpers/webhook-receiver';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe('webhook endpoints receive their subscribed events, signed, at least once, with retries', () => {
  let stack: TestStack;
  let receiver: Receiver;
  let strict: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      OUTBOUND_ALLOW: ['127.0.0.1'],
      WEBHOOK_RETRY_SCALE: 0.001,
      WEBHOOK_TIMEOUT_MS: 2_000,
      WEBHOOK_DISABLE_AFTER_MS: 60 * 60_000,
    });
    // The same database without an allow-list: loopback is refused.
    strict = await startTestStack({}, { worker: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await strict?.stop();
    await stack?.stop();
  });

  const setup = async (path: string, body: Record<string, unknown> = {}) => {
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const created = await api.post('/v1/webhooks', { url: `${receiver.base}${path}`, events: ['outcomeSet', 'noteAdded'], ...body });
    expect(created.status).toBe(201);
    const record = (type: 'outcomeSet' | 'noteAdded' | 'messageSend' = 'outcomeSet', data: Record<string, unknown> = {}) =>
      recordEvent(stack.db, { orgId: org.orgId, type, data });
    return { org, api, endpoint: created.body, record };
  };

  it('when an event is recorded, then it arrives once, signed with the secret shown at creation, and unsubscribed types do not', async () => {
    const { api, endpoint, record } = await setup('/signed');
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await api.get(`/v1/webhooks/${endpoint.id}`)).body).not.toHaveProperty('secret');
    const skipped = await record('messageSend');
    const { id } = await record('outcomeSet', { outcome: 'Paid' });
    const got = await eventually(async () => receiver.at('/signed').find((r) => r.id === id), 30_000, 'the delivery');
    const payload = new Webhook(endpoint.secret).verify(got.body, got.headers) as Record<string, unknown>;
    expect(payload).toMatchObject({ id, type: 'outcomeSet', data: { outcome: 'Paid' }, sequence: 0 });
    expect(got.headers.authorization).toMatch(/^Bearer /);
    expect(receiver.at('/signed').some((r) => r.id === skipped.id)).toBe(false);
    const log = await eventually(async () => {
      const r = await api.get(`/v1/webhooks/${endpoint.id}/deliveries`);
      return r.body.deliveries.length ? r.body.deliveries : undefined;
    });
    expect(log[0]).toMatchObject({ eventId: id, type: 'outcomeSet', attempt: 1, status: 'delivered', responseStatus: 204 });
  });

  it('when the receiver fails with 500 for a while, then every event arrives, with the same webhook-id on every attempt', async () => {
    let failing = true;
    receiver.answer(
      (r, res) => void (r.path === '/flaky' && failing ? res.writeHead(500).end('down for maintenance') : res.writeHead(200).end()),
    );
    const { api, endpoint, record } = await setup('/flaky');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await record()).id);
    await eventually(async () =>
      new Set(receiver.at('/flaky').map((r) => r.id)).size === 5 && receiver.at('/flaky').length >= 15 ? true : undefined,
    );
    failing = false;
    await eventually(async () => {
      const r = await api.get(`/v1/webhooks/${endpoint.id}/deliveries?limit=500`);
      const ok = new Set(
        r.body.deliveries.filter((d: { status: string }) => d.status === 'delivered').map((d: { eventId: string }) => d.eventId),
      );
      return ids.every((id) => ok.has(id)) ? true : undefined;
    }, 60_000);
    const sent = receiver.at('/flaky');
    expect(new Set(sent.map((r) => r.id))).toEqual(new Set(ids));
    for (const id of ids) expect(sent.filter((r) => r.id === id).length).toBeGreaterThan(1);
    const log = (await api.get(`/v1/webhooks/${endpoint.id}/deliveries?limit=500`)).body.deliveries;
    expect(log.find((d: { status: string }) => d.status === 'failed')).toMatchObject({
      responseStatus: 500,
      responseBody: 'down for maintenance',
      error: 'HTTP 500',
    });
    receiver.answer((_r, res) => void res.writeHead(204).end());
  });

  it('when an ordered endpoint fails the first attempt of event k, then later events of that conversation wait and arrive in sequence order', async () => {
    const seq = (body: string) => (JSON.parse(body) as { sequence: number }).sequence;
    let failedK = false;
    receiver.answer((r, res) => {
      if (r.path === '/ordered' && seq(r.body) === 3 && !failedK) {
        failedK = true;
        return void res.writeHead(503).end('busy');
      }
      res.writeHead(204).end();
    });
    const { org, endpoint } = await setup('/ordered', { ordered: true });
    const conversationId = randomUUID();
    for (let i = 0; i < 5; i++) await recordEvent(stack.db, { orgId: org.orgId, type: 'outcomeSet', conversationId, data: { i } });
    await eventually(async () => (new Set(receiver.at('/ordered').map((r) => r.id)).size === 5 ? true : undefined), 60_000);
    const sent = receiver.at('/ordered').map((r) => seq(r.body));
    expect(failedK).toBe(true);
    // The failed k is posted twice; nothing after it goes before its retry.
    expect(sent).toEqual([1, 2, 3, 3, 4, 5]);
    expect(endpoint.ordered).toBe(true);
    receiver.answer((_r, res) => void res.writeHead(204).end());
  });

  it('when the receiver redirects, then the redirect is a failed attempt and is not followed', async () => {
    receiver.answer(
      (r, res) => void (r.path === '/moved' ? res.writeHead(302, { location: '/elsewhere' }).end() : res.writeHead(204).end()),
    );
    const { api, endpoint, record } = await setup('/moved');
    const { id } = await record();
    const log = await eventually(async () => {
      const r = await api.get(`/v1/webhooks/${endpoint.id}/deliveries`);
      return r.body.deliveries.length >= 2 ? r.body.deliveries : undefined;
    });
    expect(log.every((d: { status: string; responseStatus: number }) => d.status === 'failed' && d.responseStatus === 302)).toBe(true);
    expect(log[0]).toMatchObject({ eventId: id, error: 'redirect 302 not followed' });
    expect(receiver.at('/elsewhere')).toHaveLength(0);
    receiver.answer((_r, res) => void res.writeHead(204).end());
  });

  it('when the receiver answers 410, then the endpoint is disabled with its reason and a notice', async () => {
    receiver.answer((r, res) => void res.writeHead(r.path === '/gone' ? 410 : 204).end());
    const { api, endpoint, record } = await setup('/gone');
    await record();
    const shown = await eventually(async () => {
      const r = await api.get(`/v1/webhooks/${endpoint.id}`);
      return r.body.status === 'disabled' ? r.body : undefined;
    });
    expect(shown.disabledReason).toMatch(/410/);
    expect(shown.notices).toEqual([expect.objectContaining({ type: 'endpointDisabled', reason: shown.disabledReason })]);
    const before = receiver.at('/gone').length;
    await record();
    // Resuming takes the endpoint back: the held event is delivered once the receiver is back.
    receiver.answer((_r, res) => void res.writeHead(204).end());
    expect((await api.post(`/v1/webhooks/${endpoint.id}/resume`)).body.status).toBe('active');
    await eventually(async () => (receiver.at('/gone').length >= before + 2 ? true : undefined));
  });

  it('when the receiver answers 429 with Retry-After, then the next attempt waits that long', async () => {
    receiver.answer((r, res) => {
      if (r.path !== '/busy') return void res.writeHead(204).end();
      if (receiver.at('/busy').length === 1) return void res.writeHead(429, { 'retry-after': '2' }).end();
      res.writeHead(204).end();
    });
    const { record } = await setup('/busy');
    const { id } = await record();
    const [first, second] = await eventually(async () => {
      const got = receiver.at('/busy');
      return got.length >= 2 ? got : undefined;
    });
    expect([first.id, second.id]).toEqual([id, id]);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_900);
    receiver.answer((_r, res) => void res.writeHead(204).end());
  });

  it('when an endpoint is paused, then nothing arrives until it is resumed; replay sends the same events again', async () => {
    const { api, endpoint, record } = await setup('/paused');
    const since = new Date(Date.now() - 1_000).toISOString();
    expect((await api.post(`/v1/webhooks/${endpoint.id}/pause`)).body.status).toBe('paused');
    const { id } = await record();
    const { id: second } = await record('noteAdded');
    expect((await api.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.deliveries).toEqual([]);
    await api.post(`/v1/webhooks/${endpoint.id}/resume`);
    await eventually(async () => (receiver.at('/paused').length === 2 ? true : undefined));
    expect((await api.post(`/v1/webhooks/${endpoint.id}/replay`, { since })).body).toEqual({ replayed: 2 });
    await eventually(async () => (receiver.at('/paused').length === 4 ? true : undefined));
    expect(
      receiver
        .at('/paused')
        .map((r) => r.id)
        .sort(),
    ).toEqual([id, id, second, second].sort());
  });

  it('when the secret is rotated, then deliveries verify with the new secret and the old one', async () => {
    const { api, endpoint, record } = await setup('/rotated');
    const rotated = await api.post(`/v1/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const { id } = await record();
    const got = await eventually(async () => receiver.at('/rotated').find((r) => r.id === id));
    expect(() => new Webhook(rotated.body.secret).verify(got.body, got.headers)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(got.body, got.headers)).not.toThrow();
  });

  it('when the URL is private, loopback, link-local or metadata, then creation is a 422 naming url and nothing is stored', async () => {
    const org = await seedOrg(strict.db);
    const api = apiClient(strict.url, org.apiKey);
    const answers = [];
    for (const url of [
      'https://10.0.0.1/h',
      'https://169.254.169.254/latest',
      'https://[::1]/h',
      'http://localhost/h',
      'https://localhost/h',
      `${receiver.base}/h`,
    ]) {
      const res = await api.post('/v1/webhooks', { url, events: ['outcomeSet'] });
      answers.push({ url, status: res.status, field: res.body.errors?.[0]?.field });
    }
    expect(answers.every((a) => a.status === 422 && a.field === 'url')).toBe(true);
    expect((await api.get('/v1/webhooks')).body.endpoints).toEqual([]);
  });

  it('when the input is bad, then it is a 400 naming the field; another org sees 404', async () => {
    const { endpoint } = await setup('/input');
    const other = apiClient(stack.url, (await seedOrg(stack.db)).apiKey);
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/webhooks', { events: ['outcomeSet'] }, 'url'],
      ['POST', '/v1/webhooks', { url: 'not a url', events: ['outcomeSet'] }, 'url'],
      ['POST', '/v1/webhooks', { url: `${receiver.base}/x`, events: [] }, 'events'],
      ['POST', '/v1/webhooks', { url: `${receiver.base}/x`, events: ['nope'] }, 'events[0]'],
      ['POST', '/v1/webhooks', { url: `${receiver.base}/x`, events: ['outcomeSet'], ordered: 'yes' }, 'ordered'],
      ['POST', '/v1/webhooks', { url: `${receiver.base}/x`, events: ['outcomeSet'], extra: 1 }, 'extra'],
    ];
    const answers = [];
    for (const [method, path, body, field] of cases) {
      const res = await other.raw(method, path, body);
      answers.push({ path, expected: field, status: res.status, field: res.body.errors?.[0]?.field });
    }
    expect(answers).toEqual(answers.map((a) => ({ ...a, status: 400, field: a.expected })));
    expect((await other.get('/v1/webhooks')).body.endpoints).toEqual([]);
    for (const path of ['', '/deliveries']) expect((await other.get(`/v1/webhooks/${endpoint.id}${path}`)).status).toBe(404);
    for (const path of ['/pause', '/resume', '/rotate-secret', '/replay'])
      expect((await other.post(`/v1/webhooks/${endpoint.id}${path}`, {})).status).toBe(404);
    expect((await other.raw('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
    const own = apiClient(stack.url, (await seedOrg(stack.db)).apiKey);
    const mine = await own.post('/v1/webhooks', { url: `${receiver.base}/mine`, events: ['outcomeSet'] });
    const replay = await own.post(`/v1/webhooks/${mine.body.id}/replay`, { since: 'yesterday' });
    expect([replay.status, replay.body.errors?.[0]?.field]).toEqual([400, 'since']);
    const page = await own.get(`/v1/webhooks/${mine.body.id}/deliveries?limit=0`);
    expect([page.status, page.body.errors?.[0]?.field]).toEqual([400, 'limit']);
    expect((await own.raw('DELETE', `/v1/webhooks/${mine.body.id}`)).status).toBe(204);
    expect((await own.get(`/v1/webhooks/${mine.body.id}`)).status).toBe(404);
  });
});
