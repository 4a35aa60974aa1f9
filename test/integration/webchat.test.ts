import { randomUUID } from 'node:crypto';
import { visitorAddress } from '../../channels/webchat';
import { hashKey } from '../../config';
import { type TestStack, apiClient, eventually, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';
import { openChatStream, visitorCookie } from '../helpers/webchat';

const FAQ_GREETING = 'Hi! I can help with opening hours, delivery, returns or payments. Or type AGENT to talk to a person.';
const HOURS = "We're open 9am to 6pm, Monday to Saturday.";
const MORE = 'Anything else I can help with?';

describe('web chat', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let channelId: string;
  const streams: { close: () => void }[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db);
    api = apiClient(stack.url, org.apiKey);
    const faq = await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') });
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faq.body.id })).status).toBe(200);
    const channel = await api.post('/v1/channels', {
      kind: 'webchat',
      name: 'Site chat',
      config: { allowedOrigins: ['https://shop.example.com'], title: 'Help <desk>', welcome: 'Ask us anything.' },
    });
    expect(channel.status).toBe(201);
    expect(channel.body.config).toEqual({
      allowedOrigins: ['https://shop.example.com'],
      title: 'Help <desk>',
      welcome: 'Ask us anything.',
    });
    channelId = channel.body.id;
    expect(channel.body).toMatchObject({ webhookPath: null, chatPath: `/webchat/${channelId}` });
  });
  afterEach(() => streams.splice(0).forEach((s) => s.close()));
  afterAll(() => stack?.stop());

  const page = (headers: Record<string, string> = {}) => fetch(`${stack.url}/webchat/${channelId}`, { headers });
  const newVisitor = async () => visitorCookie(await page());
  const post = (cookie: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/webchat/${channelId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const stream = async (cookie: string, opts: { lastEventId?: string; query?: string } = {}) => {
    const s = await openChatStream(`${stack.url}/webchat/${channelId}/events${opts.query ?? ''}`, {
      cookie,
      ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}),
    });
    streams.push(s);
    return s;
  };
  const texts = (events: { data: { author: string; text: string } }[]) => events.map((e) => `${e.data.author}: ${e.data.text}`);

  it('when a visitor opens the chat page, then it gets a random visitor cookie scoped to the channel, and a strict CSP', async () => {
    const res = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(new RegExp(`^parley_visitor=[A-Za-z0-9_-]{22}; Path=/webchat/${channelId}; HttpOnly; SameSite=Lax;`));
    expect(cookie).not.toContain('Secure');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).toContain("frame-ancestors 'self' https://shop.example.com");
    const html = await res.text();
    expect(html).toContain('<title>Help &lt;desk&gt;</title>');
    expect(html).toContain('Ask us anything.');

    expect(visitorCookie(await page())).not.toBe(cookie.split(';')[0]);
    const again = await page({ cookie: cookie.split(';')[0] });
    expect(again.headers.getSetCookie()).toEqual([]);
    const upper = await fetch(`${stack.url}/webchat/${channelId.toUpperCase()}`, { redirect: 'manual' });
    expect([upper.status, upper.headers.get('location')]).toEqual([308, `/webchat/${channelId}`]);
  });

  it('when the page is asked for a channel that is not a web chat, or does not exist, then it is not found', async () => {
    expect((await fetch(`${stack.url}/webchat/${org.channelId}`)).status).toBe(404);
    expect((await fetch(`${stack.url}/webchat/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${stack.url}/webchat/not-a-uuid`)).status).toBe(404);
  });

  it('when a message comes without a visitor cookie, a valid body, JSON or our own origin, then it is refused and nothing is stored', async () => {
    const cookie = await newVisitor();
    expect((await post(undefined, { text: 'hi' })).status).toBe(401);
    expect((await post('parley_visitor=made-up', { text: 'hi' })).status).toBe(401);
    const fields = async (body: unknown) => {
      const res = await post(cookie, body);
      expect(res.status).toBe(400);
      return ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    };
    expect(await fields({})).toEqual(['text']);
    expect(await fields({ text: '   ' })).toEqual(['text']);
    expect(await fields({ text: 'hi', id: 'not-a-uuid' })).toEqual(['id']);
    expect((await post(cookie, 'text=hi', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post(cookie, { text: 'hi' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(cookie, { text: 'hi' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await fetch(`${stack.url}/webchat/${channelId}/events`)).status).toBe(401);
    const stored = await stack.db.selectFrom('webchat_events').select('seq').where('channel_id', '=', channelId).execute();
    const messages = await stack.db.selectFrom('messages').select('id').where('channel_id', '=', channelId).execute();
    expect([stored, messages]).toEqual([[], []]);
  });

  it('when a visitor writes, then the inbound journey answers on their stream, and a reconnect replays only what they missed', async () => {
    const cookie = await newVisitor();
    const live = await stream(cookie);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const id = randomUUID();
    const sent = await post(cookie, { text: 'opening hours?', id }, { origin: stack.url });
    expect(sent.status).toBe(202);
    const events = await live.take(4);
    expect(texts(events)).toEqual(['visitor: opening hours?', `business: ${FAQ_GREETING}`, `business: ${HOURS}`, `business: ${MORE}`]);
    expect(events.every((e) => e.event === 'message' && e.id === e.data.id)).toBe(true);
    expect(events.map((e) => Number(e.id))).toEqual(events.map((e) => Number(e.id)).sort((a, b) => a - b));

    // A retry of the same message (same id) is stored once.
    expect((await post(cookie, { text: 'opening hours?', id })).status).toBe(200);

    const token = cookie.split('=')[1];
    const address = visitorAddress(hashKey(stack.config), channelId, token);
    const contact = await stack.db
      .selectFrom('contacts')
      .select('address')
      .where('org_id', '=', org.orgId)
      .where('channel_id', '=', channelId)
      .execute();
    expect(contact).toEqual([{ address }]);
    expect(address).not.toContain(token);
    // The worker records the send just after the event is stored.
    const recorded = events.slice(1).map((e) => ({ provider_message_id: `wc_${e.id}`, status: 'delivered' }));
    await eventually(
      async () => {
        const outbound = await stack.db
          .selectFrom('messages')
          .select(['provider_message_id', 'status'])
          .where('org_id', '=', org.orgId)
          .where('channel_id', '=', channelId)
          .where('direction', '=', 'out')
          .orderBy('seq')
          .execute();
        return JSON.stringify(outbound) === JSON.stringify(recorded) ? true : undefined;
      },
      45_000,
      'the sends recorded as delivered',
    );
    expect(
      await stack.db.selectFrom('messages').select('id').where('channel_id', '=', channelId).where('direction', '=', 'in').execute(),
    ).toHaveLength(1);

    live.close();
    const resumed = await stream(cookie, { lastEventId: events[1].id });
    expect(texts(await resumed.take(2))).toEqual([`business: ${HOURS}`, `business: ${MORE}`]);
    const byQuery = await stream(cookie, { query: `?after=${events[2].id}` });
    expect(texts(await byQuery.take(1))).toEqual([`business: ${MORE}`]);

    // Both open streams get what comes next, live.
    await post(cookie, { text: 'no thanks' });
    const next = ['visitor: no thanks', 'business: Thanks for getting in touch. Have a good day!'];
    expect(texts((await resumed.take(4)).slice(2))).toEqual(next);
    expect(texts((await byQuery.take(3)).slice(1))).toEqual(next);
    expect(resumed.events).toHaveLength(4);
  });

  it('when two visitors chat, then neither ever sees the other', async () => {
    const [alice, bob] = [await newVisitor(), await newVisitor()];
    const aliceStream = await stream(alice);
    const bobStream = await stream(bob);
    await post(alice, { text: 'can I pay by card?' });
    await aliceStream.take(4, "Alice's conversation");
    await post(bob, { text: 'returns?' });
    const bobs = await bobStream.take(4, "Bob's conversation");
    expect(texts(bobs)[0]).toBe('visitor: returns?');
    expect(texts(bobs).join('\n')).not.toMatch(/pay by card|We take cards/);
    expect(texts(aliceStream.events).join('\n')).not.toMatch(/returns\?|return anything/);
    const bobReplay = await stream(bob, { lastEventId: '0' });
    expect((await bobReplay.take(4)).map((e) => e.id)).toEqual(bobs.map((e) => e.id));
    expect(aliceStream.events.map((e) => e.id).some((id) => bobStream.events.some((b) => b.id === id))).toBe(false);
  });

  it('when a visitor opens too many streams, then the next is refused until one closes', async () => {
    const cookie = await newVisitor();
    const open = [];
    for (let i = 0; i < 5; i++) open.push(await stream(cookie));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const refused = await stream(cookie);
    expect(refused.status).toBe(429);
    open[0].close();
    await open[0].ended;
    await eventually(async () => {
      const s = await stream(cookie);
      s.close();
      return s.status === 200 ? true : undefined;
    });
  });

  it('when PUBLIC_URL is https under a path, then the cookie is secure, partitioned and on that path, and only that origin may post', async () => {
    const other = await startTestStack({ PUBLIC_URL: 'https://chat.example.com/parley' }, { worker: false });
    try {
      const res = await fetch(`${other.url}/webchat/${channelId}`);
      const [cookie] = res.headers.getSetCookie();
      expect(cookie).toMatch(
        new RegExp(`^parley_visitor=[A-Za-z0-9_-]{22}; Path=/parley/webchat/${channelId}; HttpOnly; SameSite=None; Secure; Partitioned;`),
      );
      const send = (origin: string) =>
        fetch(`${other.url}/webchat/${channelId}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: cookie.split(';')[0], origin },
          body: JSON.stringify({ text: 'hello?' }),
        });
      expect((await send(other.url)).status).toBe(403);
      expect((await send('https://chat.example.com')).status).toBe(202);
    } finally {
      await other.stop();
    }
  });

  it('when the API stops with a stream open, then the stream ends and the stop completes', async () => {
    const other = await startTestStack({}, { worker: false });
    try {
      const cookie = visitorCookie(await fetch(`${other.url}/webchat/${channelId}`));
      const open = await openChatStream(`${other.url}/webchat/${channelId}/events`, { cookie });
      expect(open.status).toBe(200);
      await other.stop();
      await open.ended;
    } catch (err) {
      await other.stop().catch(() => undefined);
      throw err;
    }
  });
});
