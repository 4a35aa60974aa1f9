import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { sql } from 'kysely';
import { ZodError } from 'zod';
import { ConfigurationError, PermanentSendError, RetryableSendError, ThrottledError } from '../../../channels/errors';
import { SIGNATURE_HEADER, classifyError, messenger } from '../../../channels/messenger';
import type { OutboundMessage, WebhookRequest } from '../../../channels/provider';
import { hmacSha256Header } from '../../../channels/signature';
import { createChannel } from '../../../db/channels';
import { upsertContacts } from '../../../db/contacts';
import { createConversation } from '../../../db/conversations';
import { type Db, createDb } from '../../../db/database';
import { applyWatermark, markRouted, markSent, storeMessage } from '../../../db/messages';
import { settleSendAttempt } from '../../../db/send-attempts';
import { type FakeMessenger, startFakeMessenger } from '../../fakes/messenger';
import { greetingJourney } from '../../fixtures/journeys';
import { seedOrg } from '../../helpers/stack';

const PAGE_ID = '104532281234567';
const SECRETS = { pageAccessToken: 'EAAB-page-token', appSecret: 'messenger-app-secret', verifyToken: 'verify-me' };
const TAGS = { hello: 'ACCOUNT_UPDATE', late: 'HUMAN_AGENT' };

describe('the Messenger Send API adapter', () => {
  let db: Db;
  let fake: FakeMessenger;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let channelId: string;
  let config: Record<string, unknown>;

  /** A contact on the channel and a conversation with them; `lastInbound` hours ago they wrote in, or never. */
  async function contact(address: string, lastInbound?: number) {
    const [contactId] = await upsertContacts(db, org.orgId, channelId, [{ address, fields: {} }], 10);
    const conversationId = randomUUID();
    await createConversation(db, {
      id: conversationId,
      orgId: org.orgId,
      contactId,
      channelId,
      journeyId: org.journeyId,
      journeyVersion: 1,
      workflowId: `t:${conversationId}`,
    });
    if (lastInbound !== undefined) {
      const { message } = await storeMessage(db, {
        orgId: org.orgId,
        channelId,
        direction: 'in',
        author: 'contact',
        body: 'hi',
        providerMessageId: `m_${conversationId}`,
      });
      await markRouted(db, message.id, conversationId);
      await sql`update messages set created_at = now() - make_interval(hours => ${lastInbound}) where id = ${message.id}`.execute(db);
    }
    return conversationId;
  }
  const msg = (to: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
    channelId,
    config,
    to,
    text: 'Your order has shipped.',
    idempotencyKey: `k-${randomUUID()}`,
    step: 'question',
    ...extra,
  });
  const send = (m: OutboundMessage) => messenger.send(m, { db });
  const requestsTo = (to: string) => fake.requests.filter((r) => r.body?.recipient?.id === to);

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    org = await seedOrg(db, greetingJourney);
    fake = await startFakeMessenger({ ...SECRETS, pageId: PAGE_ID });
    config = { pageId: PAGE_ID, ...SECRETS, apiBaseUrl: fake.baseUrl, tags: TAGS, requestTimeoutMs: 300 };
    ({ id: channelId } = await createChannel(db, { orgId: org.orgId, kind: 'messenger', name: 'Messenger', config }));
  });
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });

  describe('sending', () => {
    it('when the person wrote in an hour ago, then a RESPONSE goes out in exactly the Send API shape, and is sent', async () => {
      await contact('7100000000000001', 1);
      const m = msg('7100000000000001');
      const result = await send(m);
      expect(result).toEqual({ providerMessageId: expect.stringMatching(/^m_/), status: 'sent' });
      const [req] = requestsTo('7100000000000001');
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/v21.0/me/messages');
      expect([...req.query]).toEqual([['access_token', SECRETS.pageAccessToken]]);
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers.authorization).toBeUndefined();
      expect(req.body).toEqual({
        recipient: { id: '7100000000000001' },
        messaging_type: 'RESPONSE',
        message: { text: 'Your order has shipped.', metadata: m.idempotencyKey },
      });
      expect(await send(m)).toEqual(result);
      expect(requestsTo('7100000000000001')).toHaveLength(1);
    });

    it.each([
      ['never wrote in', undefined, 'hello@2#i1', 'ACCOUNT_UPDATE'],
      ['wrote in 25 hours ago', 25, 'late', 'HUMAN_AGENT'],
    ])('when the person %s, then the step goes out tagged', async (_what, hours, step, tag) => {
      const to = `71000000000001${hours ?? 99}`;
      await contact(to, hours);
      await send(msg(to, { step }));
      expect(requestsTo(to).map((r) => r.body)).toEqual([
        {
          recipient: { id: to },
          messaging_type: 'MESSAGE_TAG',
          tag,
          message: { text: 'Your order has shipped.', metadata: expect.any(String) },
        },
      ]);
    });

    it('when our records show the window shut and the step has no tag, then Meta decides, and its refusal is a clear permanent failure', async () => {
      await contact('7100000000000004');
      await send(msg('7100000000000004'));
      expect(requestsTo('7100000000000004').map((r) => r.body.messaging_type)).toEqual(['RESPONSE']);
      await contact('7100000002018278');
      await expect(send(msg('7100000002018278'))).rejects.toThrow(
        new PermanentSendError(
          "outside Messenger's 24-hour window: only a tagged message may be sent, and step question has no message tag",
        ),
      );
      expect(requestsTo('7100000002018278').map((r) => r.body.messaging_type)).toEqual(['RESPONSE']);
    });

    it('when Meta says outside the window although our clock says open, then the tagged message follows', async () => {
      await contact('7100001002018278', 1);
      await send(msg('7100001002018278', { step: 'hello' }));
      expect(requestsTo('7100001002018278').map((r) => [r.body.messaging_type, r.body.tag])).toEqual([
        ['RESPONSE', undefined],
        ['MESSAGE_TAG', 'ACCOUNT_UPDATE'],
      ]);
    });

    it.each([
      ['7100000000000551', PermanentSendError, 'Messenger error 551: this person is not available right now'],
      ['7100000002018001', PermanentSendError, 'Messenger error 100/2018001: no matching user found'],
      ['7100000000000613', ThrottledError, 'Messenger error 613: calls to the Send API exceeded the rate limit'],
      ['7100000000080006', ThrottledError, 'Messenger error 80006: Messenger rate limit reached'],
      ['7100000000000429', ThrottledError, 'Messenger error 4: application request limit reached'],
      ['7100000000001200', RetryableSendError, 'Messenger error 1200: temporary send message failure'],
      ['7100000000000500', RetryableSendError, 'Messenger error 1 (HTTP 500)'],
      ['7100000000000230', ConfigurationError, 'Messenger error 230: the page access token lacks a permission'],
    ])('when the recipient is %s, then the answer is a %p', async (to, type, message) => {
      await contact(to, 1);
      const m = msg(to);
      const err = await send(m).catch((e: Error) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toBe(message);
      // Meta refused outright, so nothing is pending: the retry calls again.
      await send(m).catch(() => undefined);
      expect(requestsTo(to)).toHaveLength(2);
    });

    it('when throttled, then the delay is Retry-After on a 429, else 1 s', async () => {
      const retry = async (to: string) => ((await send(msg(to)).catch((e: unknown) => e)) as ThrottledError).retryAfterMs;
      expect(await retry('7100000000000429')).toBe(2000);
      expect(await retry('7100000000000613')).toBe(1000);
    });

    it('when the token is wrong or the configuration invalid, then it is a configuration error', async () => {
      await contact('7100000000000005', 1);
      await expect(send(msg('7100000000000005', { config: { ...config, pageAccessToken: 'revoked' } }))).rejects.toThrow(
        new ConfigurationError('Messenger error 190: page access token invalid or expired'),
      );
      await expect(send(msg('7100000000000005', { config: { ...config, tags: { hello: 'PROMOTION' } } }))).rejects.toThrow(
        ConfigurationError,
      );
    });

    it('when the text is longer than 2000 characters or the address no PSID, then it fails for good without a call', async () => {
      await contact('7100000000000006', 1);
      await expect(send(msg('7100000000000006', { text: 'x'.repeat(2001) }))).rejects.toThrow(PermanentSendError);
      await expect(send(msg('+447911123456'))).rejects.toThrow(PermanentSendError);
      expect(requestsTo('7100000000000006')).toEqual([]);
      expect(requestsTo('+447911123456')).toEqual([]);
    });

    it('when nothing listens at the API, then it is retryable at once', async () => {
      await contact('7100000000000007', 1);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise((resolve) => closed.close(resolve));
      const m = msg('7100000000000007', { config: { ...config, apiBaseUrl: `http://127.0.0.1:${port}/v21.0` } });
      await expect(send(m)).rejects.toThrow(RetryableSendError);
      await expect(send(m)).rejects.toThrow(RetryableSendError);
    });

    it('when Meta takes the message but the answer is lost, then retries wait for the echo and never send twice', async () => {
      await contact('7100000000000504', 1);
      const m = msg('7100000000000504');
      await expect(send(m)).rejects.toThrow(/no answer from Messenger.*waiting for the message's echo/);
      const retry = await send(m).catch((e: unknown) => e);
      expect(retry).toBeInstanceOf(ThrottledError);
      expect((retry as ThrottledError).retryAfterMs).toBeGreaterThan(100_000);
      expect(fake.accepted.filter((a) => a.to === '7100000000000504')).toHaveLength(1);

      const [taken] = fake.accepted.filter((a) => a.to === '7100000000000504');
      await settleSendAttempt(db, channelId, taken.body.message.metadata, taken.id);
      expect(await send(m)).toEqual({ providerMessageId: taken.id, status: 'sent' });
      expect(requestsTo('7100000000000504')).toHaveLength(1);
    });

    it('when no echo came within confirmWaitSeconds, then it sends again', async () => {
      await contact('7100000000000408', 1);
      const m = msg('7100000000000408', { config: { ...config, confirmWaitSeconds: 0 } });
      await expect(send(m)).rejects.toThrow(ThrottledError);
      await expect(send(m)).rejects.toThrow(ThrottledError);
      expect(requestsTo('7100000000000408')).toHaveLength(2);
    });
  });

  it.each([
    [400, { error: { code: 10, error_subcode: 2018278, message: 'x' } }, PermanentSendError],
    [400, { error: { code: 10, error_subcode: 2018065, message: 'x' } }, PermanentSendError],
    [400, { error: { code: 32, message: 'x' } }, ThrottledError],
    [400, { error: { code: 2, message: 'x' } }, RetryableSendError],
    [400, { error: { code: 190, error_subcode: 463, message: 'x' } }, ConfigurationError],
    [403, { error: { code: 200, message: 'x' } }, ConfigurationError],
    [400, { error: { code: 100, message: 'x' } }, PermanentSendError],
    [503, 'not json', RetryableSendError],
    [429, { error: { code: 551, message: 'x' } }, ThrottledError],
    [401, undefined, ConfigurationError],
  ])('when Meta answers %i with %j, then it is a %p', (status, body, type) => {
    expect(classifyError(status, body)).toBeInstanceOf(type);
  });

  describe('watermarks', () => {
    const at = (iso: string) => new Date(iso);
    /** An outbound message to the conversation, sent (recorded) at `sentAt`. */
    async function sent(conversationId: string, sentAt: string, status: 'sent' | 'delivered' | 'read' | 'failed' = 'sent') {
      const key = `k-${randomUUID()}`;
      const { message } = await storeMessage(db, {
        orgId: org.orgId,
        conversationId,
        channelId,
        direction: 'out',
        author: 'bot',
        body: 'x',
        idempotencyKey: key,
      });
      await markSent(db, message.id, { status: 'sent', providerMessageId: `m_${key}` });
      await db
        .updateTable('messages')
        .set({ status, status_at: at(sentAt) })
        .where('id', '=', message.id)
        .execute();
      return message.id;
    }
    const statuses = async (ids: string[]) => {
      const rows = await db.selectFrom('messages').select(['id', 'status', 'status_at']).where('id', 'in', ids).execute();
      return ids.map((id) => rows.find((r) => r.id === id)!.status);
    };

    it('when a watermark arrives, then only the messages to that PSID sent at or before it move forward, and never back', async () => {
      const mine = await contact('7200000000000001');
      const other = await contact('7200000000000002');
      const ids = [
        await sent(mine, '2026-11-20T10:00:00Z'),
        await sent(mine, '2026-11-20T10:05:00Z'),
        await sent(mine, '2026-11-20T10:10:00Z'),
        await sent(mine, '2026-11-20T09:00:00Z', 'failed'),
        await sent(mine, '2026-11-20T09:00:00Z', 'read'),
        await sent(other, '2026-11-20T09:00:00Z'),
      ];
      const recipient = '7200000000000001';
      expect(await applyWatermark(db, channelId, { recipient, status: 'delivered', watermark: at('2026-11-20T10:05:00Z') })).toBe(2);
      expect(await statuses(ids)).toEqual(['delivered', 'delivered', 'sent', 'failed', 'read', 'sent']);
      expect(await applyWatermark(db, channelId, { recipient, status: 'read', watermark: at('2026-11-20T10:06:00Z') })).toBe(2);
      expect(await applyWatermark(db, channelId, { recipient, status: 'delivered', watermark: at('2026-11-20T11:00:00Z') })).toBe(1);
      expect(await statuses(ids)).toEqual(['read', 'read', 'delivered', 'failed', 'read', 'sent']);
      expect(await applyWatermark(db, channelId, { recipient: '7299999999999999', status: 'read', watermark: new Date() })).toBe(0);
    });

    it('when read comes before delivery, then the messages end read', async () => {
      const mine = await contact('7200000000000003');
      const ids = [await sent(mine, '2026-11-20T10:00:00Z')];
      const recipient = '7200000000000003';
      expect(await applyWatermark(db, channelId, { recipient, status: 'read', watermark: at('2026-11-20T10:01:00Z') })).toBe(1);
      expect(await applyWatermark(db, channelId, { recipient, status: 'delivered', watermark: at('2026-11-20T10:02:00Z') })).toBe(0);
      expect(await statuses(ids)).toEqual(['read']);
    });
  });
});

describe('the Messenger webhook', () => {
  const config = { pageId: PAGE_ID, ...SECRETS };
  const PSID = '6543210987654321';
  const request = (body: string, headers: Record<string, string> = { [SIGNATURE_HEADER]: hmacSha256Header(SECRETS.appSecret, body) }) =>
    ({ method: 'POST', headers, rawBody: Buffer.from(body), query: {} }) satisfies WebhookRequest;
  const envelope = (event: Record<string, unknown>, pageId = PAGE_ID) =>
    JSON.stringify({
      object: 'page',
      entry: [
        {
          id: pageId,
          time: 1458692752478,
          messaging: [{ sender: { id: PSID }, recipient: { id: pageId }, timestamp: 1458692752478, ...event }],
        },
      ],
    });

  it.each([
    ['text', { mid: 'm_A', text: 'Is my order on its way?' }, 'Is my order on its way?'],
    ['a quick reply', { mid: 'm_A', text: 'Yes', quick_reply: { payload: 'ANSWER_YES' } }, 'Yes'],
    ['a quick reply without text', { mid: 'm_A', quick_reply: { payload: 'ANSWER_YES' } }, 'ANSWER_YES'],
    [
      'an image',
      { mid: 'm_A', attachments: [{ type: 'image', payload: { url: 'https://cdn.example/a.jpg' } }] },
      '[image https://cdn.example/a.jpg]',
    ],
    [
      'text and two files',
      {
        mid: 'm_A',
        text: 'receipts',
        attachments: [
          { type: 'file', payload: { url: 'https://cdn.example/a.pdf' } },
          { type: 'audio', payload: { url: 'https://cdn.example/b.mp4' } },
        ],
      },
      'receipts [file https://cdn.example/a.pdf] [audio https://cdn.example/b.mp4]',
    ],
    [
      'a location',
      { mid: 'm_A', attachments: [{ type: 'location', payload: { coordinates: { lat: 51.5, long: -0.12 } } }] },
      '[location 51.5,-0.12]',
    ],
    ['a fallback without payload', { mid: 'm_A', attachments: [{ type: 'fallback', payload: null }] }, '[fallback]'],
    ['an empty message', { mid: 'm_A' }, '[message]'],
  ])('when %s arrives, then it is read as its text', (_what, message, text) => {
    expect(messenger.parseInbound(request(envelope({ message })), config)).toEqual({
      messages: [{ from: PSID, text, providerMessageId: 'm_A' }],
    });
  });

  it.each([
    ['with a mid', { mid: 'm_PB', title: 'Track order', payload: 'TRACK' }, 'Track order', 'm_PB'],
    ['without a title', { mid: 'm_PB', payload: 'TRACK' }, 'TRACK', 'm_PB'],
    ['without a mid', { title: 'Get started', payload: 'START' }, 'Get started', expect.stringMatching(/^postback\.[0-9a-f]{40}$/)],
  ])('when a postback %s arrives, then it is read as its title', (_what, postback, text, id) => {
    const parsed = messenger.parseInbound(request(envelope({ postback })), config);
    expect(parsed).toEqual({ messages: [{ from: PSID, text, providerMessageId: id }] });
    // Meta repeats an event as it was: the derived id is the same again.
    expect(messenger.parseInbound(request(envelope({ postback })), config)).toEqual(parsed);
  });

  it('when the postbacks without a mid differ in time, then their ids differ', () => {
    const postback = { title: 'Get started', payload: 'START' };
    const one = messenger.parseInbound(request(envelope({ postback })), config).messages[0].providerMessageId;
    const two = messenger.parseInbound(request(envelope({ postback, timestamp: 1458692752479 })), config).messages[0].providerMessageId;
    expect(one).not.toBe(two);
  });

  it.each([
    [
      'a delivery with mids',
      { delivery: { mids: ['m_1', 'm_2'], watermark: 1458668856253 } },
      [
        { providerMessageId: 'm_1', status: 'delivered', at: new Date(1458668856253) },
        { providerMessageId: 'm_2', status: 'delivered', at: new Date(1458668856253) },
        { recipient: PSID, status: 'delivered', watermark: new Date(1458668856253) },
      ],
    ],
    [
      'a delivery without mids',
      { delivery: { watermark: 1458668856253 } },
      [{ recipient: PSID, status: 'delivered', watermark: new Date(1458668856253) }],
    ],
    ['a read', { read: { watermark: 1458668856253 } }, [{ recipient: PSID, status: 'read', watermark: new Date(1458668856253) }]],
    [
      'the echo of our send',
      {
        sender: { id: PAGE_ID },
        recipient: { id: PSID },
        message: { is_echo: true, app_id: 1, mid: 'm_OUT', metadata: 'conv:hello:1', text: 'Hi' },
      },
      [{ providerMessageId: 'm_OUT', status: 'sent', idempotencyKey: 'conv:hello:1', at: new Date(1458692752478) }],
    ],
    [
      'the echo of a message typed in the inbox',
      { sender: { id: PAGE_ID }, recipient: { id: PSID }, message: { is_echo: true, mid: 'm_X', text: 'Hi' } },
      [],
    ],
    ['a reaction', { reaction: { mid: 'm_1', action: 'react', emoji: '👍' } }, []],
  ])('when %s arrives, then it is read as statuses and as no message', (_what, event, statuses) => {
    expect(messenger.parseStatus(request(envelope(event)), config)).toEqual(statuses);
    expect(messenger.parseInbound(request(envelope(event)), config)).toEqual({ messages: [] });
  });

  it('when the body is for another page, then this channel reads nothing from it', () => {
    const other = envelope({ message: { mid: 'm_A', text: 'x' } }, '999');
    expect(messenger.parseInbound(request(other), config)).toEqual({ messages: [] });
  });

  it.each([
    ['not JSON', '{"object":'],
    ['another object', JSON.stringify({ object: 'whatsapp_business_account', entry: [] })],
    ['a message without a mid', envelope({ message: { text: 'x' } })],
    ['a watermark that is no number', envelope({ read: { watermark: 'soon' } })],
  ])('when the body is %s, then parsing throws a ZodError', (_what, body) => {
    expect(() => messenger.parseInbound(request(body), config)).toThrow(ZodError);
  });

  describe('signature', () => {
    // Spacing and escapes as Meta may send them: re-serialising would change the bytes.
    const raw = '{"object": "page", "entry": [], "note": "caf\\u00e9"}';
    const sig = hmacSha256Header(SECRETS.appSecret, raw);
    it.each([
      ['signed over its raw bytes', true, request(raw)],
      ['a tampered body', false, { ...request(raw), rawBody: Buffer.from(raw.replace('[]', '[{}]')) }],
      ['a signature by another secret', false, request(raw, { [SIGNATURE_HEADER]: hmacSha256Header('another', raw) })],
      ['no signature header', false, request(raw, {})],
      ['its body re-serialised, signed as it arrived', false, request(JSON.stringify(JSON.parse(raw)), { [SIGNATURE_HEADER]: sig })],
    ])('when a request is %s, then verify says %p', (_what, ok, req) => {
      expect(messenger.verify(req, config)).toBe(ok);
    });
  });

  describe('handshake', () => {
    const ask = (query: Record<string, unknown>) =>
      messenger.handshake!({ method: 'GET', headers: {}, rawBody: Buffer.alloc(0), query }, config);
    it.each([
      ['the right token', 200, '1158201444', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' }],
      ['a wrong token', 403, 'Forbidden', { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444' }],
      ['no token', 403, 'Forbidden', { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444' }],
      ['another mode', 403, 'Forbidden', { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1' }],
    ])('when Meta asks with %s, then it answers %i', (_what, status, body, query) => {
      expect(ask(query)).toEqual({ status, body });
    });
  });

  it('when the configuration is listed, then the token and secrets are the secret fields, and addresses are PSIDs', () => {
    expect(messenger.config.secrets).toEqual(['pageAccessToken', 'appSecret', 'verifyToken']);
    expect(messenger.config.schema.parse(config)).toMatchObject({ apiBaseUrl: 'https://graph.facebook.com/v21.0', tags: {} });
    expect(messenger.normaliseAddress(' 6543210987654321 ', 'GB')).toEqual({ address: '6543210987654321' });
    expect(messenger.normaliseAddress('07911 123456', 'GB')).toEqual({ error: 'is not a page-scoped id (digits)' });
  });
});
