import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { sql } from 'kysely';
import { ZodError } from 'zod';
import { ConfigurationError, PermanentSendError, RetryableSendError, ThrottledError } from '../../../channels/errors';
import type { OutboundMessage, WebhookRequest } from '../../../channels/provider';
import { hmacSha256Header } from '../../../channels/signature';
import { SIGNATURE_HEADER, classifyError, whatsapp } from '../../../channels/whatsapp';
import { createChannel } from '../../../db/channels';
import { upsertContacts } from '../../../db/contacts';
import { createConversation } from '../../../db/conversations';
import { type Db, createDb } from '../../../db/database';
import { markRouted, storeMessage } from '../../../db/messages';
import { settleSendAttempt } from '../../../db/send-attempts';
import { type FakeWhatsApp, startFakeWhatsApp } from '../../fakes/whatsapp';
import { greetingJourney } from '../../fixtures/journeys';
import { seedOrg } from '../../helpers/stack';

// Not the integration test's number: both store a channel in the run's one database, and /hooks/whatsapp routes by the number.
const PHONE_NUMBER_ID = '106540352242933';
const SECRETS = { accessToken: 'EAAG-test-token', appSecret: 'app-secret-for-tests', verifyToken: 'verify-me' };
const TEMPLATES = {
  hello: { name: 'payment_reminder', language: 'en_GB', parameters: ['<<firstName>>', '<<amount|currency>>'] },
  bare: { name: 'bare_template', language: 'en_GB' },
};

describe('the WhatsApp Cloud API adapter', () => {
  let db: Db;
  let fake: FakeWhatsApp;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let channelId: string;
  let config: Record<string, unknown>;

  /** A contact on the channel; `lastInbound` hours ago they wrote in, or never. */
  async function contact(address: string, lastInbound?: number) {
    const [contactId] = await upsertContacts(
      db,
      org.orgId,
      channelId,
      [{ address, fields: { firstName: 'Aoife', amount: '1250.50' } }],
      10,
    );
    if (lastInbound === undefined) return;
    const id = randomUUID();
    await createConversation(db, {
      id,
      orgId: org.orgId,
      contactId,
      channelId,
      journeyId: org.journeyId,
      journeyVersion: 1,
      workflowId: `t:${id}`,
    });
    const { message } = await storeMessage(db, {
      orgId: org.orgId,
      channelId,
      direction: 'in',
      author: 'contact',
      body: 'hi',
      providerMessageId: id,
    });
    await markRouted(db, message.id, id);
    await sql`update messages set created_at = now() - make_interval(hours => ${lastInbound}) where id = ${message.id}`.execute(db);
  }
  const msg = (to: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
    channelId,
    config,
    to,
    text: 'Your balance is due.',
    idempotencyKey: `k-${randomUUID()}`,
    step: 'hello',
    ...extra,
  });
  const send = (m: OutboundMessage) => whatsapp.send(m, { db });
  const requestsTo = (to: string) => fake.requests.filter((r) => r.body?.to === to.slice(1));

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    org = await seedOrg(db, greetingJourney);
    fake = await startFakeWhatsApp({ ...SECRETS, phoneNumberId: PHONE_NUMBER_ID });
    config = { phoneNumberId: PHONE_NUMBER_ID, ...SECRETS, apiBaseUrl: fake.baseUrl, templates: TEMPLATES, requestTimeoutMs: 300 };
    ({ id: channelId } = await createChannel(db, { orgId: org.orgId, kind: 'whatsapp', name: 'WhatsApp', config }));
  });
  afterAll(async () => {
    await fake?.close();
    await db?.destroy();
  });

  describe('sending', () => {
    it('when the person wrote in an hour ago, then a text goes out in exactly the Cloud API shape, and is sent', async () => {
      await contact('+447911200001', 1);
      const m = msg('+447911200001');
      const result = await send(m);
      expect(result).toEqual({ providerMessageId: expect.stringMatching(/^wamid\./), status: 'sent' });
      const [req] = requestsTo('+447911200001');
      expect(req.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
      expect(req.headers).toMatchObject({ authorization: `Bearer ${SECRETS.accessToken}`, 'content-type': 'application/json' });
      expect(req.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '447911200001',
        type: 'text',
        text: { body: 'Your balance is due.', preview_url: false },
        biz_opaque_callback_data: m.idempotencyKey,
      });
      expect(await send(m)).toEqual(result);
      expect(requestsTo('+447911200001')).toHaveLength(1);
    });

    it.each([
      ['never wrote in', undefined, 'hello@2#i1'],
      ['wrote in 25 hours ago', 25, 'hello'],
    ])('when the person %s, then the step template goes out with its parameters filled', async (_what, hours, step) => {
      const to = `+4479112001${hours ?? 99}`;
      await contact(to, hours);
      await send(msg(to, { step }));
      expect(requestsTo(to).map((r) => r.body)).toEqual([
        {
          messaging_product: 'whatsapp',
          to: to.slice(1),
          type: 'template',
          template: {
            name: 'payment_reminder',
            language: { code: 'en_GB' },
            components: [
              {
                type: 'body',
                parameters: [
                  { type: 'text', text: 'Aoife' },
                  { type: 'text', text: '£1,250.50' },
                ],
              },
            ],
          },
          biz_opaque_callback_data: expect.any(String),
        },
      ]);
    });

    it('when a template has no parameters, then it goes out without components', async () => {
      await contact('+447911200003');
      await send(msg('+447911200003', { step: 'bare' }));
      expect(requestsTo('+447911200003')[0].body.template).toEqual({ name: 'bare_template', language: { code: 'en_GB' } });
    });

    it('when our records show the window shut and the step has no template, then Meta decides on the free text', async () => {
      await contact('+447911200004');
      await send(msg('+447911200004', { step: 'question' }));
      expect(requestsTo('+447911200004').map((r) => r.body.type)).toEqual(['text']);
      await contact('+447912131047');
      await expect(send(msg('+447912131047', { step: 'question' }))).rejects.toThrow(
        new PermanentSendError("outside WhatsApp's 24-hour window: only a template may be sent, and step question has no template"),
      );
      expect(requestsTo('+447912131047').map((r) => r.body.type)).toEqual(['text']);
    });

    it('when Meta says 131047 although our clock says the window is open, then the template follows, or the send fails without one', async () => {
      await contact('+447911131047', 1);
      await send(msg('+447911131047'));
      expect(requestsTo('+447911131047').map((r) => r.body.type)).toEqual(['text', 'template']);
      await expect(send(msg('+447911131047', { step: 'question' }))).rejects.toThrow(PermanentSendError);
    });

    it.each([
      ['+447911131026', PermanentSendError, 'WhatsApp error 131026: message undeliverable to this number'],
      ['+447911000368', PermanentSendError, 'WhatsApp error 368: sender temporarily blocked for policy violations'],
      ['+447911130429', ThrottledError, 'WhatsApp error 130429: throughput limit reached'],
      ['+447911131056', ThrottledError, 'WhatsApp error 131056: pair rate limit: too many messages to this person'],
      ['+447911000429', ThrottledError, 'WhatsApp error 4: application request limit reached'],
      ['+447911131057', RetryableSendError, 'WhatsApp error 131057: business account in maintenance'],
      ['+447911000500', RetryableSendError, 'WhatsApp error 1 (HTTP 500)'],
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

    it('when throttled, then the delay is Retry-After, or 6 s for the pair limit, or 1 s', async () => {
      const retry = async (to: string) => ((await send(msg(to)).catch((e: unknown) => e)) as ThrottledError).retryAfterMs;
      expect(await retry('+447911000429')).toBe(2000);
      expect(await retry('+447911131056')).toBe(6000);
      expect(await retry('+447911130429')).toBe(1000);
    });

    it('when the token is wrong or the configuration invalid, then it is a configuration error', async () => {
      await contact('+447911200005', 1);
      await expect(send(msg('+447911200005', { config: { ...config, accessToken: 'revoked' } }))).rejects.toThrow(
        new ConfigurationError('WhatsApp error 190: access token invalid or expired'),
      );
      await expect(send(msg('+447911200005', { config: { ...config, phoneNumberId: 'abc' } }))).rejects.toThrow(ConfigurationError);
    });

    it('when the text is longer than 4096 characters, then it fails for good without a call', async () => {
      await contact('+447911200006', 1);
      await expect(send(msg('+447911200006', { text: 'x'.repeat(4097) }))).rejects.toThrow(PermanentSendError);
      expect(requestsTo('+447911200006')).toEqual([]);
    });

    it('when nothing listens at the API, then it is retryable at once', async () => {
      await contact('+447911200007', 1);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise((resolve) => closed.close(resolve));
      const m = msg('+447911200007', { config: { ...config, apiBaseUrl: `http://127.0.0.1:${port}/v21.0` } });
      await expect(send(m)).rejects.toThrow(RetryableSendError);
      await expect(send(m)).rejects.toThrow(RetryableSendError);
    });

    it('when Meta takes the message but the answer is lost, then retries wait for the status callback and never send twice', async () => {
      await contact('+447911000504', 1);
      const m = msg('+447911000504');
      await expect(send(m)).rejects.toThrow(/no answer from WhatsApp.*waiting for a status callback/);
      const retry = await send(m).catch((e: unknown) => e);
      expect(retry).toBeInstanceOf(ThrottledError);
      expect((retry as ThrottledError).retryAfterMs).toBeGreaterThan(100_000);
      expect(fake.accepted.filter((a) => a.to === '447911000504')).toHaveLength(1);

      const [taken] = fake.accepted.filter((a) => a.to === '447911000504');
      await settleSendAttempt(db, channelId, taken.body.biz_opaque_callback_data, taken.id);
      expect(await send(m)).toEqual({ providerMessageId: taken.id, status: 'sent' });
      expect(requestsTo('+447911000504')).toHaveLength(1);
    });

    it('when no status callback came within confirmWaitSeconds, then it sends again', async () => {
      await contact('+447911000408', 1);
      const m = msg('+447911000408', { config: { ...config, confirmWaitSeconds: 0 } });
      await expect(send(m)).rejects.toThrow(ThrottledError);
      await expect(send(m)).rejects.toThrow(ThrottledError);
      expect(requestsTo('+447911000408')).toHaveLength(2);
    });

    it('when WhatsApp knows the person by another wa_id, then the contact is keyed on it', async () => {
      await contact('+5511987654321', 1);
      fake.waIds.set('5511987654321', '551187654321');
      await send(msg('+5511987654321'));
      const addresses = await db.selectFrom('contacts').select('address').where('channel_id', '=', channelId).execute();
      expect(addresses.map((a) => a.address)).toContain('+551187654321');
      expect(addresses.map((a) => a.address)).not.toContain('+5511987654321');
    });
  });

  it.each([
    [400, { error: { code: 131047, message: 'x' } }, PermanentSendError],
    [400, { error: { code: 80007, message: 'x' } }, ThrottledError],
    [400, { error: { code: 131048, message: 'x' } }, ThrottledError],
    [401, { error: { code: 190, error_subcode: 463, message: 'x' } }, ConfigurationError],
    [400, { error: { code: 100, message: 'x' } }, PermanentSendError],
    [503, 'not json', RetryableSendError],
    [429, undefined, ThrottledError],
    [401, undefined, ConfigurationError],
  ])('when Meta answers %i with %j, then it is a %p', (status, body, type) => {
    expect(classifyError(status, body)).toBeInstanceOf(type);
  });
});

describe('the WhatsApp webhook', () => {
  const config = { phoneNumberId: PHONE_NUMBER_ID, ...SECRETS };
  const request = (body: string, headers: Record<string, string> = { [SIGNATURE_HEADER]: hmacSha256Header(SECRETS.appSecret, body) }) =>
    ({ method: 'POST', headers, rawBody: Buffer.from(body), query: {} }) satisfies WebhookRequest;
  const envelope = (value: Record<string, unknown>, phoneNumberId = PHONE_NUMBER_ID) =>
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA_ID',
          changes: [
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: phoneNumberId }, ...value } },
          ],
        },
      ],
    });
  const inbound = (message: Record<string, unknown>) =>
    envelope({ messages: [{ from: '16505551234', id: 'wamid.A', timestamp: '1749416383', ...message }] });

  it.each([
    ['text', { type: 'text', text: { body: 'Does it come in another colour?' } }, 'Does it come in another colour?'],
    ['a quick-reply button', { type: 'button', button: { text: 'Yes', payload: 'YES' } }, 'Yes'],
    [
      'a button reply',
      { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Pay now' } } },
      'Pay now',
    ],
    ['a list reply', { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'l2', title: 'Tuesday' } } }, 'Tuesday'],
    ['an image', { type: 'image', image: { id: 'MEDIA1', mime_type: 'image/jpeg', caption: 'receipt' } }, '[image MEDIA1] receipt'],
    ['an audio note', { type: 'audio', audio: { id: 'MEDIA2', mime_type: 'audio/ogg' } }, '[audio MEDIA2]'],
    ['a document', { type: 'document', document: { id: 'MEDIA3', filename: 'a.pdf' } }, '[document MEDIA3]'],
    ['a location', { type: 'location', location: { latitude: 51.5, longitude: -0.12, name: 'Office' } }, '[location 51.5,-0.12 Office]'],
    ['an unsupported message', { type: 'unsupported', errors: [{ code: 131051 }] }, '[unsupported]'],
    ['a reply with context', { type: 'text', text: { body: 'ok' }, context: { id: 'wamid.OUT' } }, 'ok'],
  ])('when %s arrives, then it is read as its text', (_what, message, text) => {
    expect(whatsapp.parseInbound(request(inbound(message)), config)).toEqual({
      messages: [{ from: '16505551234', text, providerMessageId: 'wamid.A' }],
    });
  });

  it('when the body names another phone number id, then this channel reads nothing from it', () => {
    const other = envelope({ messages: [{ from: '1', id: 'w', timestamp: '1', type: 'text', text: { body: 'x' } }] }, '999');
    expect(whatsapp.parseInbound(request(other), config)).toEqual({ messages: [] });
  });

  it.each([
    ['sent', {}, { status: 'sent' }],
    ['delivered', {}, { status: 'delivered' }],
    ['read', {}, { status: 'read' }],
    [
      'failed',
      { errors: [{ code: 131047, title: 'Re-engagement message' }] },
      { status: 'failed', error: 'WhatsApp error 131047: Re-engagement message' },
    ],
    ['sent', { biz_opaque_callback_data: 'conv:hello:1' }, { status: 'sent', idempotencyKey: 'conv:hello:1' }],
  ])('when a %s status arrives, then it is read with its error and key', (status, extra, expected) => {
    const body = envelope({ statuses: [{ id: 'wamid.OUT', status, timestamp: '1750857384', recipient_id: '447700900123', ...extra }] });
    expect(whatsapp.parseStatus(request(body), config)).toEqual([{ providerMessageId: 'wamid.OUT', ...expected }]);
    expect(whatsapp.parseInbound(request(body), config)).toEqual({ messages: [] });
  });

  it('when a status is one Parley does not track, then it is skipped', () => {
    const body = envelope({ statuses: [{ id: 'w', status: 'deleted', timestamp: '1' }] });
    expect(whatsapp.parseStatus(request(body), config)).toEqual([]);
  });

  it.each([
    ['not JSON', '{"object":'],
    ['another object', JSON.stringify({ object: 'page', entry: [] })],
    ['a message without an id', inbound({ id: undefined, type: 'text', text: { body: 'x' } })],
  ])('when the body is %s, then parsing throws a ZodError', (_what, body) => {
    expect(() => whatsapp.parseInbound(request(body), config)).toThrow(ZodError);
  });

  describe('signature', () => {
    // Spacing and escapes as Meta may send them: re-serialising would change the bytes.
    const raw = '{"object": "whatsapp_business_account", "entry": [], "note": "caf\\u00e9"}';
    const sig = hmacSha256Header(SECRETS.appSecret, raw);
    it.each([
      ['signed over its raw bytes', request(raw), true],
      ['a tampered body', { ...request(raw), rawBody: Buffer.from(raw.replace('[]', '[{}]')) }, false],
      ['a signature by another secret', request(raw, { [SIGNATURE_HEADER]: hmacSha256Header('another', raw) }), false],
      ['no signature header', request(raw, {}), false],
      ['its body re-serialised, signed as it arrived', request(JSON.stringify(JSON.parse(raw)), { [SIGNATURE_HEADER]: sig }), false],
    ])('when a request is %s, then verify says %p', (_what, req, ok) => {
      expect(whatsapp.verify(req, config)).toBe(ok);
    });
  });

  describe('handshake', () => {
    const ask = (query: Record<string, unknown>) =>
      whatsapp.handshake!({ method: 'GET', headers: {}, rawBody: Buffer.alloc(0), query }, config);
    it.each([
      ['the right token', 200, '1158201444', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' }],
      ['a wrong token', 403, 'Forbidden', { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444' }],
      ['no token', 403, 'Forbidden', { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444' }],
      ['another mode', 403, 'Forbidden', { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1' }],
    ])('when Meta asks with %s, then it answers %i', (_what, status, body, query) => {
      expect(ask(query)).toEqual({ status, body });
    });
  });

  it('when the configuration is listed, then the token and secrets are the secret fields', () => {
    expect(whatsapp.config.secrets).toEqual(['accessToken', 'appSecret', 'verifyToken']);
    expect(whatsapp.config.schema.parse(config)).toMatchObject({ apiBaseUrl: 'https://graph.facebook.com/v21.0', templates: {} });
  });
});
