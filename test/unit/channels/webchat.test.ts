import { randomBytes, randomUUID } from 'node:crypto';
import { providerFor } from '../../../channels';
import { channelCreateSchema } from '../../../channels/schemas';
import { isVisitorToken, newVisitorToken, visitorAddress, webchat, webchatConfig } from '../../../channels/webchat';
import { createChannel } from '../../../db/channels';
import { type Db, createDb } from '../../../db/database';
import { webchatEventsAfter } from '../../../db/webchat';
import { seedOrg } from '../../helpers/stack';

describe('the web chat configuration', () => {
  const create = (config: unknown) => channelCreateSchema().safeParse({ kind: 'webchat', name: 'Site chat', config });

  it('when a channel is created with no configuration, then it has no embedding origins and no title or welcome', () => {
    const parsed = create({});
    expect(parsed.success && parsed.data.config).toEqual({ allowedOrigins: [] });
    expect(providerFor('webchat')).toBe(webchat);
    expect(webchat.config.secrets).toEqual([]);
  });

  it('when it has origins, a title and a welcome, then they are kept', () => {
    const config = { allowedOrigins: ['https://shop.example.com', 'http://localhost:8080'], title: 'Help', welcome: 'Hi there!' };
    const parsed = create(config);
    expect(parsed.success && parsed.data.config).toEqual(config);
  });

  it.each([
    ['an origin with a path', { allowedOrigins: ['https://shop.example.com/chat'] }, 'config.allowedOrigins.0'],
    ['an origin with a trailing slash', { allowedOrigins: ['https://shop.example.com/'] }, 'config.allowedOrigins.0'],
    ['a wildcard origin', { allowedOrigins: ['*'] }, 'config.allowedOrigins.0'],
    ['a javascript: origin', { allowedOrigins: ['javascript:alert(1)'] }, 'config.allowedOrigins.0'],
    ['an empty title', { title: '  ' }, 'config.title'],
    ['a field it does not know', { secret: 'x' }, 'config'],
  ])('when it has %s, then it is refused at that field', (_what, config, field) => {
    const parsed = create(config);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('when a stored configuration is read, then defaults fill what it leaves out and a broken one falls back to them', () => {
    expect(webchatConfig({ title: 'Help' })).toEqual({ allowedOrigins: [], title: 'Help' });
    expect(webchatConfig({ allowedOrigins: 'nope' })).toEqual({ allowedOrigins: [] });
  });
});

describe('web chat visitors', () => {
  const key = randomBytes(32);

  it('when a visitor token is issued, then it is 128 random bits in base64url, and only such tokens are accepted', () => {
    const token = newVisitorToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newVisitorToken()).not.toBe(token);
    expect(isVisitorToken(token)).toBe(true);
    for (const bad of [undefined, '', 'short', `${token}x`, `${token.slice(0, 21)}=`, 'a'.repeat(21) + '.'])
      expect(isVisitorToken(bad)).toBe(false);
  });

  it('when a visitor address is made, then it is stable per channel, differs across channels and does not contain the token', () => {
    const token = newVisitorToken();
    const [a, b] = [randomUUID(), randomUUID()];
    expect(visitorAddress(key, a, token)).toBe(visitorAddress(key, a, token));
    expect(visitorAddress(key, a, token)).not.toBe(visitorAddress(key, b, token));
    expect(visitorAddress(key, a, token)).toMatch(/^v_[A-Za-z0-9_-]{22}$/);
    expect(visitorAddress(key, a, token)).not.toContain(token);
  });

  it('when an address is normalised, then it is trimmed and kept as it is', () => {
    expect(webchat.normaliseAddress(' v_abc ', 'GB')).toEqual({ address: 'v_abc' });
    expect(webchat.normaliseAddress(' ', 'GB')).toEqual({ error: 'is empty' });
  });

  it('when a webhook arrives for a web chat channel, then it never verifies and carries no messages', () => {
    const req = { method: 'POST', headers: {}, rawBody: Buffer.from('{"messages":[{"from":"x","text":"y","id":"1"}]}'), query: {} };
    expect(webchat.verify(req, {})).toBe(false);
    expect(webchat.parseInbound(req).messages).toEqual([]);
    expect(webchat.parseStatus(req)).toEqual([]);
  });
});

describe('sending on web chat', () => {
  let db: Db;
  let channelId: string;

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    const org = await seedOrg(db);
    ({ id: channelId } = await createChannel(db, { orgId: org.orgId, kind: 'webchat', name: 'Site chat', config: {} }));
  });
  afterAll(() => db?.destroy());

  const send = (to: string, text: string, idempotencyKey: string) =>
    webchat.send({ channelId, config: {}, to, text, idempotencyKey }, { db });

  it('when a message is sent, then it is stored for that visitor as delivered, and a repeated key stores nothing more', async () => {
    const key = `k-${randomUUID()}`;
    const first = await send('v_visitor_one', 'Hello!', key);
    expect(first).toEqual({ providerMessageId: expect.stringMatching(/^wc_\d+$/), status: 'delivered' });
    expect(await send('v_visitor_one', 'Hello!', key)).toEqual(first);
    const events = await webchatEventsAfter(db, channelId, 'v_visitor_one', '0', 100);
    expect(events.map((e) => [`wc_${e.seq}`, e.author, e.body])).toEqual([[first.providerMessageId, 'business', 'Hello!']]);
    expect(await webchatEventsAfter(db, channelId, 'v_visitor_two', '0', 100)).toEqual([]);
  });

  it('when several messages are sent to one visitor at once, then each is stored once and a replay after one returns those after it', async () => {
    const sent = await Promise.all([1, 2, 3, 4, 5].map((i) => send('v_visitor_three', `m${i}`, `burst-${randomUUID()}`)));
    const events = await webchatEventsAfter(db, channelId, 'v_visitor_three', '0', 100);
    expect(events.map((e) => `wc_${e.seq}`).sort()).toEqual(sent.map((s) => s.providerMessageId).sort());
    expect(new Set(events.map((e) => e.body))).toEqual(new Set(['m1', 'm2', 'm3', 'm4', 'm5']));
    const after = await webchatEventsAfter(db, channelId, 'v_visitor_three', events[2].seq, 100);
    expect(after.map((e) => e.seq)).toEqual(events.slice(3).map((e) => e.seq));
  });
});
