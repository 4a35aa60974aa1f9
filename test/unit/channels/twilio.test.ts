import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import { ConfigurationError, ContactStoppedError, PermanentSendError, RetryableSendError, ThrottledError } from '../../../channels/errors';
import type { OutboundMessage, WebhookRequest } from '../../../channels/provider';
import { EMPTY_TWIML, SIGNATURE_HEADER, classify, createTwilio, twilio, twilioSignature } from '../../../channels/twilio';
import { type Db, createDb } from '../../../db/database';
import { markSent, storeMessage } from '../../../db/messages';
import { type FakeTwilio, newSid, startFakeTwilio } from '../../fakes/twilio';
import { seedOrg } from '../../helpers/stack';

const PUBLIC = 'https://parley.example.com';
const CHANNEL = '0b7d9c1e-52f4-4c55-9d0e-3f1a2b4c5d6e';
const FROM = '+15005550006';
const SERVICE = `MG${'a'.repeat(32)}`;

describe('the Twilio provider', () => {
  let fake: FakeTwilio;
  const provider = createTwilio({ timeoutMs: 300 });
  const config = (extra: Record<string, unknown> = {}) => ({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from: FROM,
    apiBaseUrl: fake.url,
    ...extra,
  });
  const message = (to: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
    channelId: CHANNEL,
    config: config(),
    to,
    text: 'Hi Aoife',
    idempotencyKey: randomUUID(),
    attempt: 1,
    ...extra,
  });
  const deps = { db: {} as Db, publicUrl: PUBLIC };

  beforeAll(async () => {
    fake = await startFakeTwilio({});
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  describe('sending', () => {
    const auth = () => `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`;
    const callback = `StatusCallback=${encodeURIComponent(`${PUBLIC}/hooks/${CHANNEL}`)}`;

    it.each([
      ['an SMS from a number', {}, '+447911123456', `To=%2B447911123456&From=%2B15005550006&Body=Hi+Aoife&${callback}`],
      [
        'a WhatsApp message through Twilio',
        { channel: 'whatsapp' },
        '+447911123456',
        `To=whatsapp%3A%2B447911123456&From=whatsapp%3A%2B15005550006&Body=Hi+Aoife&${callback}`,
      ],
      [
        'an SMS from a messaging service',
        { from: undefined, messagingServiceSid: SERVICE },
        '+447911123456',
        `To=%2B447911123456&MessagingServiceSid=${SERVICE}&Body=Hi+Aoife&${callback}`,
      ],
    ])('when it sends %s, then Twilio gets exactly the form it documents, and the sid comes back', async (_what, extra, to, form) => {
      const sent = await provider.send(message(to, { config: config(extra) }), deps);
      expect(sent).toEqual({ providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'sent' });
      expect(fake.requests).toHaveLength(1);
      const [req] = fake.requests;
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
      expect(req.headers).toMatchObject({
        authorization: auth(),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      });
      expect(req.body).toBe(form);
    });

    it('when no PUBLIC_URL is configured, then it sends without a StatusCallback', async () => {
      await provider.send(message('+447911123456'), { db: {} as Db });
      expect(fake.requests[0].body).toBe('To=%2B447911123456&From=%2B15005550006&Body=Hi+Aoife');
    });

    it.each([
      ['ends in 21610 (opted out)', '+447911121610', ContactStoppedError, 'Twilio 21610: the person opted out at Twilio (STOP)'],
      ['ends in 21211 (not a number)', '+447911121211', PermanentSendError, 'Twilio 21211: the number is not a valid phone number'],
      ['ends in 21614 (cannot take SMS)', '+447911121614', PermanentSendError, 'Twilio 21614: the number cannot receive SMS'],
      [
        'ends in 63016 (outside 24 h)',
        '+447911163016',
        PermanentSendError,
        'Twilio 63016: outside the WhatsApp 24-hour window: only a template may be sent',
      ],
      ['ends in 50000 (HTTP 500)', '+447911150000', RetryableSendError, 'Twilio answered HTTP 500'],
      [
        'ends in 40800 (no answer)',
        '+447911140800',
        RetryableSendError,
        'no answer from Twilio (time limit or connection lost): the outcome is unknown, the next try looks before sending',
      ],
    ])('when the recipient %s, then the send fails with its class and our own words', async (_what, to, type, text) => {
      const err = await provider.send(message(to), deps).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toBe(text);
      expect((err as Error).message).not.toContain(to.slice(1));
    });

    it('when Twilio throttles, then the error carries its Retry-After, or a second without one', async () => {
      const err = await provider.send(message('+447911120429'), deps).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ThrottledError);
      expect(err).toMatchObject({ message: 'Twilio 20429: too many requests to Twilio', retryAfterMs: 3000 });
      fake.failNext(1, { status: 429 });
      expect(await provider.send(message('+447911123456'), deps).catch((e: unknown) => e)).toMatchObject({ retryAfterMs: 1000 });
    });

    it('when the auth token is wrong, then it is a configuration error', async () => {
      const msg = message('+447911123456', { config: config({ authToken: 'f'.repeat(32) }) });
      await expect(provider.send(msg, deps)).rejects.toThrow(
        new ConfigurationError('Twilio 20003: Twilio refused the account SID or auth token'),
      );
    });

    it.each([
      ['no sender', { from: undefined }, 'set one of from and messagingServiceSid'],
      ['both senders', { messagingServiceSid: SERVICE }, 'set one of from and messagingServiceSid'],
      ['a bad account SID', { accountSid: 'AC123' }, 'must be an Account SID'],
      ['a plain-http API off this machine', { apiBaseUrl: 'http://api.twilio.com' }, 'must be https'],
    ])('when the configuration has %s, then it is a configuration error and nothing is sent', async (_what, extra, text) => {
      const err = await provider.send(message('+447911123456', { config: config(extra) }), deps).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toContain(text);
      expect(fake.requests).toEqual([]);
    });

    it('when the text is longer than 1600 characters, then it fails for good without a request', async () => {
      await expect(provider.send(message('+447911123456', { text: 'x'.repeat(1601) }), deps)).rejects.toThrow(PermanentSendError);
      expect(fake.requests).toEqual([]);
    });

    it.each([
      [403, { code: 20003 }, ConfigurationError],
      [400, { code: 21611 }, ThrottledError],
      [503, 'not json', RetryableSendError],
      [400, { code: 21612 }, PermanentSendError],
    ])('when Twilio answers HTTP %i with %j, then the code decides the class before the status', (status, body, type) => {
      expect(classify(status, body, null)).toBeInstanceOf(type);
    });

    it('when a 429 says Retry-After as a date, then the delay runs until that date', () => {
      const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
      const err = classify(429, {}, at.toUTCString()) as ThrottledError;
      expect(err.retryAfterMs).toBeGreaterThan(58_000);
      expect(err.retryAfterMs).toBeLessThanOrEqual(61_000);
    });
  });

  describe('a try after one whose outcome is unknown', () => {
    let db: Db;
    let org: Awaited<ReturnType<typeof seedOrg>>;
    /** An outbound message row for the key, as the activity stores before it sends. */
    const stored = async (key: string) =>
      (
        await storeMessage(db, {
          orgId: org.orgId,
          channelId: org.channelId,
          direction: 'out',
          author: 'bot',
          body: 'Hi Aoife',
          idempotencyKey: key,
        })
      ).message;
    const retry = (to: string, key: string) => message(to, { channelId: org.channelId, idempotencyKey: key, attempt: 2 });

    beforeAll(async () => {
      db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
      org = await seedOrg(db);
    });
    afterAll(() => db?.destroy());

    it('when Twilio took the first try but never answered, then the next try finds it and does not send again', async () => {
      const key = randomUUID();
      await stored(key);
      const first = await provider.send({ ...retry('+447911140801', key), attempt: 1 }, { db }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(RetryableSendError);
      const taken = fake.messages.at(-1)!;
      expect(taken.to).toBe('+447911140801');

      const second = await provider.send(retry('+447911140801', key), { db });
      expect(second).toEqual({ providerMessageId: taken.sid, status: 'sent' });
      expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
      expect(fake.requests[1].path).toBe(
        `/2010-04-01/Accounts/${fake.accountSid}/Messages.json?To=%2B447911140801&PageSize=20&From=%2B15005550006`,
      );
    });

    it('when Twilio has no such message, or only ones we recorded, then the next try sends', async () => {
      const key = randomUUID();
      const earlier = await provider.send(message('+447911123457'), deps);
      const recorded = await stored(randomUUID());
      await markSent(db, recorded.id, { providerMessageId: earlier.providerMessageId, status: 'sent' });
      await stored(key);
      fake.requests.length = 0;

      const sent = await provider.send(retry('+447911123457', key), { db });
      expect(sent.providerMessageId).not.toBe(earlier.providerMessageId);
      expect(fake.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    });

    it('when the look-up itself fails, then nothing is sent and the try is retryable', async () => {
      const key = randomUUID();
      await stored(key);
      fake.failNext(1, { status: 500 });
      await expect(provider.send(retry('+447911123458', key), { db })).rejects.toThrow(RetryableSendError);
      expect(fake.requests.map((r) => r.method)).toEqual(['GET']);
    });
  });

  describe('webhooks', () => {
    const token = 'c'.repeat(32);
    const channelConfig = { accountSid: `AC${'b'.repeat(32)}`, authToken: token, from: FROM };
    const url = `${PUBLIC}/hooks/${CHANNEL}`;
    const sid = newSid('SM');
    const inbound = new URLSearchParams({
      ToCountry: 'GB',
      SmsStatus: 'received',
      Body: 'Yes please',
      To: '+447400123456',
      MessageSid: sid,
      AccountSid: channelConfig.accountSid,
      From: '+447911123456',
      NumMedia: '0',
      ApiVersion: '2010-04-01',
    });
    const request = (body: string, signature: string | null, at = url): WebhookRequest => ({
      method: 'POST',
      headers: signature === null ? {} : { [SIGNATURE_HEADER]: signature },
      rawBody: Buffer.from(body),
      query: {},
      url: at,
    });
    const signed = (params: URLSearchParams, at = url, key = token) => request(params.toString(), twilioSignature(key, at, params), at);

    it("when the signature is computed, then it matches Twilio's published examples", () => {
      const vectors = 'https://mycompany.com/myapp.php?foo=1&bar=2';
      const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
      expect(twilioSignature('12345', vectors, new URLSearchParams(params))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    });

    it.each([
      ['it is signed over the public URL and the form', () => signed(inbound), true],
      ['the public URL carries a query string, which is signed too', () => signed(inbound, `${url}?source=sms`), true],
      ['Twilio signed the URL with its default port', () => ({ ...signed(inbound, `${PUBLIC}:443/hooks/${CHANNEL}`), url }), true],
      [
        'middleware re-serialised the form (another order, %20 for +): the parameters are signed, not the bytes',
        () => ({
          ...signed(inbound),
          rawBody: Buffer.from(
            [...inbound]
              .reverse()
              .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
              .join('&'),
          ),
        }),
        true,
      ],
      ['the body was tampered with', () => ({ ...signed(inbound), rawBody: Buffer.from(inbound.toString().replace('Yes', 'No')) }), false],
      ['a parameter was added', () => ({ ...signed(inbound), rawBody: Buffer.from(`${inbound}&Extra=1`) }), false],
      ['it is signed with another auth token', () => signed(inbound, url, 'd'.repeat(32)), false],
      ['the signature header is missing', () => request(inbound.toString(), null), false],
      ['it was signed for another URL', () => ({ ...signed(inbound, `${PUBLIC}/hooks/another`), url }), false],
      ['the URL of the request is unknown', () => ({ ...signed(inbound), url: undefined }), false],
    ])('when %s, then verify says %s', (_what, req, valid) => {
      expect(twilio.verify(req(), channelConfig)).toBe(valid);
    });

    it('when the channel has no valid configuration, then nothing verifies', () => {
      expect(twilio.verify(signed(inbound), {})).toBe(false);
    });

    const status = (s: string, extra: Record<string, string> = {}) =>
      request(
        new URLSearchParams({ SmsSid: sid, SmsStatus: s, MessageStatus: s, MessageSid: sid, AccountSid: 'AC1', ...extra }).toString(),
        '',
      );

    it.each([
      [
        'an SMS',
        request(inbound.toString(), ''),
        { messages: [{ from: '+447911123456', text: 'Yes please', providerMessageId: sid }], ack: EMPTY_TWIML },
        [],
      ],
      [
        'a WhatsApp message through Twilio, with media and no text',
        request(
          new URLSearchParams({
            MessageSid: sid,
            From: 'whatsapp:+447911123456',
            To: 'whatsapp:+14155238886',
            NumMedia: '1',
            MediaUrl0: `https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/${sid}/Media/ME1`,
            MediaContentType0: 'image/jpeg',
          }).toString(),
          '',
        ),
        {
          messages: [
            {
              from: 'whatsapp:+447911123456',
              text: `[image https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/${sid}/Media/ME1]`,
              providerMessageId: sid,
            },
          ],
          ack: EMPTY_TWIML,
        },
        [],
      ],
      [
        'an MMS with words, a voice note and a PDF',
        request(
          new URLSearchParams({
            MessageSid: sid,
            From: '+447911123456',
            Body: 'Here is my bill',
            NumMedia: '2',
            MediaUrl0: 'https://api.twilio.com/m/ME1',
            MediaContentType0: 'audio/ogg',
            MediaUrl1: 'https://api.twilio.com/m/ME2',
            MediaContentType1: 'application/pdf',
          }).toString(),
          '',
        ),
        {
          messages: [
            {
              from: '+447911123456',
              text: 'Here is my bill\n[audio https://api.twilio.com/m/ME1]\n[document https://api.twilio.com/m/ME2]',
              providerMessageId: sid,
            },
          ],
          ack: EMPTY_TWIML,
        },
        [],
      ],
      [
        'a message whose NumMedia names media it does not carry',
        request(new URLSearchParams({ MessageSid: sid, From: '+447911123456', Body: 'hi', NumMedia: '1' }).toString(), ''),
        { messages: [{ from: '+447911123456', text: 'hi', providerMessageId: sid }], ack: EMPTY_TWIML },
        [],
      ],
      ['a "delivered" callback', status('delivered'), { messages: [] }, [{ providerMessageId: sid, status: 'delivered' }]],
      ['a "read" callback', status('read'), { messages: [] }, [{ providerMessageId: sid, status: 'read' }]],
      ['a "sent" callback', status('sent'), { messages: [] }, [{ providerMessageId: sid, status: 'sent' }]],
      ['a "queued" callback', status('queued'), { messages: [] }, []],
      [
        'an "undelivered" callback with its code',
        status('undelivered', { ErrorCode: '30007' }),
        { messages: [] },
        [{ providerMessageId: sid, status: 'failed', error: 'Twilio 30007: the carrier filtered the message' }],
      ],
      [
        'a "failed" callback with an unknown code',
        status('failed', { ErrorCode: '30999' }),
        { messages: [] },
        [{ providerMessageId: sid, status: 'failed', error: 'Twilio 30999: see https://www.twilio.com/docs/errors/30999' }],
      ],
    ])('when Twilio posts %s, then it is read as such, and a message is answered with empty TwiML', (_what, req, messages, statuses) => {
      expect(twilio.parseInbound(req)).toEqual(messages);
      expect(twilio.parseStatus(req)).toEqual(statuses);
    });

    it.each([
      ['an inbound form without MessageSid', 'From=%2B447911123456&Body=hi'],
      ['an inbound form without From', `MessageSid=${sid}&Body=hi`],
      ['a status callback with a bad sid', 'MessageSid=nope&MessageStatus=delivered'],
    ])('when Twilio posts %s, then parsing throws a ZodError', (_what, body) => {
      expect(() => [twilio.parseInbound(request(body, '')), twilio.parseStatus(request(body, ''))]).toThrow(ZodError);
    });

    it("when a sender is read, then Twilio's whatsapp: prefix is dropped and the number is E.164", () => {
      expect(twilio.normaliseAddress('whatsapp:+447911123456', 'GB')).toEqual({ address: '+447911123456' });
      expect(twilio.normaliseAddress('07911 123456', 'GB')).toEqual({ address: '+447911123456' });
    });

    it('when its configuration is shown, then the auth token is the secret', () => {
      expect(twilio.config.secrets).toEqual(['authToken']);
      expect(twilio.capabilities).toEqual({ confirmsStop: true, sessionWindowHours: null, defaultRatePerSecond: 1 });
    });
  });
});
