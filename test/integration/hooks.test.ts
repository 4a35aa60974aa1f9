import { randomUUID } from 'node:crypto';
import { hmacSha256Header } from '../../channels/signature';
import { EMPTY_TWIML, twilioSignature } from '../../channels/twilio';
import { createChannel } from '../../db/channels';
import { channelSecret } from '../helpers/secrets';
import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';

describe('provider webhooks at /hooks/:channelId', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let secret: string;

  /** Posts a body to the channel's webhook, signed with `key` (the channel's secret unless given). */
  const hook = (body: unknown, key = secret, channelId = org.channelId) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return apiClient(stack.url).raw('POST', `/hooks/${channelId}`, text, {
      'content-type': 'application/json',
      'x-parley-signature': hmacSha256Header(key, text),
    });
  };
  const inboundCount = (providerMessageId: string) =>
    stack.db
      .selectFrom('messages')
      .select('id')
      .where('channel_id', '=', org.channelId)
      .where('provider_message_id', '=', providerMessageId)
      .execute();

  /** The conversation the relay gave an inbound message to. */
  const routedTo = (messageId: string) =>
    eventually(async () => {
      const row = await stack.db
        .selectFrom('messages')
        .select(['conversation_id', 'routed_at'])
        .where('id', '=', messageId)
        .executeTakeFirst();
      return row?.routed_at ? row.conversation_id : undefined;
    });

  beforeAll(async () => {
    stack = await startTestStack({ MAX_BODY_BYTES: 4096 });
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
    secret = await channelSecret(stack.db, org.channelId);
    const faq = await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') });
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faq.body.id })).status).toBe(200);
  });
  afterAll(() => stack?.stop());

  it('when a signed first message arrives, then it starts the inbound journey, which answers; a repeat of it is stored once', async () => {
    const body = { messages: [{ from: '07911 123480', text: 'opening hours?', id: 'hook-1' }] };
    const first = await hook(body);
    expect(first.status).toBe(200);
    // Answered once stored: the relay routes it after.
    expect(first.body.messages).toEqual([{ messageId: expect.any(String), duplicate: false }]);
    const phone = sandboxPhone(api, org.channelId, '07911 123480');
    expect(await phone.receive(3)).toEqual([
      'Hi! I can help with opening hours, delivery, returns or payments. Or type AGENT to talk to a person.',
      "We're open 9am to 6pm, Monday to Saturday.",
      'Anything else I can help with?',
    ]);

    const again = await hook(body);
    expect(again.status).toBe(200);
    expect(again.body.messages).toEqual([{ ...first.body.messages[0], duplicate: true }]);
    expect(await inboundCount('hook-1')).toHaveLength(1);
    const conversations = await stack.db
      .selectFrom('conversations')
      .select('id')
      .where('org_id', '=', org.orgId)
      .where('journey_id', '!=', org.journeyId)
      .execute();
    expect(conversations.map((c) => c.id)).toEqual([await routedTo(first.body.messages[0].messageId)]);
  });

  it('when a signed reply arrives for a live conversation, then that conversation answers it', async () => {
    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123481', fields: { firstName: 'Fay' } },
    });
    const phone = sandboxPhone(api, org.channelId, '07911 123481');
    expect(await phone.receive(2)).toEqual(['Hi Fay, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
    const res = await hook({ messages: [{ from: '+447911123481', text: 'no', id: 'hook-2' }] });
    expect(res.status).toBe(200);
    expect(await phone.receive(1)).toEqual(['No problem. Goodbye.']);
    expect(await routedTo(res.body.messages[0].messageId)).toBe(started.body.id);
  });

  it('when a signed status callback arrives, then the message status only moves forward', async () => {
    await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address: '07911 123482' } });
    await sandboxPhone(api, org.channelId, '07911 123482').receive(2);
    const sent = await stack.db
      .selectFrom('messages')
      .select(['provider_message_id', 'status'])
      .where('channel_id', '=', org.channelId)
      .where('step', '=', 'hello')
      .where('provider_message_id', 'is not', null)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(sent.status).toBe('delivered');
    const id = sent.provider_message_id!;
    const status = async () =>
      (await stack.db.selectFrom('messages').select('status').where('provider_message_id', '=', id).executeTakeFirstOrThrow()).status;

    expect((await hook({ statuses: [{ id, status: 'read' }] })).body).toEqual({ messages: [], statusesApplied: 1 });
    expect(await status()).toBe('read');
    expect(
      (
        await hook({
          statuses: [
            { id, status: 'delivered' },
            { id: 'sbx_unknown', status: 'read' },
          ],
        })
      ).body,
    ).toEqual({ messages: [], statusesApplied: 0 });
    expect(await status()).toBe('read');
  });

  it.each([
    [
      'the signature is by another key',
      () => hook({ messages: [{ from: '07911 123483', text: 'hi', id: 'bad-1' }] }, 'not the channel secret'),
      401,
    ],
    [
      'the signature is missing',
      () =>
        apiClient(stack.url).raw(
          'POST',
          `/hooks/${org.channelId}`,
          JSON.stringify({ messages: [{ from: '07911 123483', text: 'hi', id: 'bad-2' }] }),
        ),
      401,
    ],
    ['the body was changed after signing', () => tampered(), 401],
    [
      'the channel does not exist',
      () => hook({ messages: [{ from: '07911 123483', text: 'hi', id: 'bad-3' }] }, secret, randomUUID()),
      404,
    ],
    ['the channel id is not an id', () => hook({ messages: [{ from: '07911 123483', text: 'hi', id: 'bad-4' }] }, secret, 'nope'), 404],
    ['the body is over MAX_BODY_BYTES', () => hook({ messages: [{ from: '07911 123483', text: 'x'.repeat(5000), id: 'bad-5' }] }), 413],
    ['the body is not JSON', () => hook('{"messages": ['), 400],
    ['a text holds a NUL', () => hook({ messages: [{ from: '07911 123483', text: 'a\u0000b', id: 'bad-6' }] }), 400],
    [
      'a sender is not a phone number',
      () =>
        hook({
          messages: [
            { from: '07911 123483', text: 'ok', id: 'bad-7' },
            { from: 'nobody', text: 'hi', id: 'bad-8' },
          ],
        }),
      400,
    ],
  ])('when %s, then it is refused and nothing is stored', async (_what, send, status) => {
    const before = await tableCounts(stack.db, [org.orgId]);
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await tableCounts(stack.db, [org.orgId])).toEqual(before);
  });

  const tampered = () => {
    const signed = JSON.stringify({ messages: [{ from: '07911 123483', text: 'yes', id: 'bad-9' }] });
    return apiClient(stack.url).raw('POST', `/hooks/${org.channelId}`, signed.replace('yes', 'no!'), {
      'content-type': 'application/json',
      'x-parley-signature': hmacSha256Header(secret, signed),
    });
  };

  it('when a sender is refused, then the answer names the field', async () => {
    const res = await hook({
      messages: [
        { from: '07911 123483', text: 'ok', id: 'bad-10' },
        { from: 'nobody', text: 'hi', id: 'bad-11' },
      ],
    });
    expect(res.body.errors).toEqual([{ field: 'messages[1].from', message: 'is not a valid phone number' }]);
  });

  it('when no PUBLIC_URL is set, then a Twilio signature is checked against the URL from the Host header', async () => {
    const authToken = 'a'.repeat(32);
    // Nothing may reach the real Twilio: a STOP starts no conversation, and the API base is a closed local port.
    const config = { accountSid: `AC${'0'.repeat(32)}`, authToken, from: '+15005550006', apiBaseUrl: 'http://127.0.0.1:9' };
    const { id } = await createChannel(stack.db, { orgId: org.orgId, kind: 'twilio', name: 'SMS', config });
    const form = new URLSearchParams({ MessageSid: `SM${'1'.repeat(32)}`, From: '+447911123485', To: '+15005550006', Body: 'STOP' });
    const post = (url: string) =>
      apiClient(stack.url).raw('POST', `/hooks/${id}`, form.toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(authToken, url, form),
      });
    expect(await post(`https://parley.example.com/hooks/${id}`)).toMatchObject({ status: 401 });
    expect(await post(`${stack.url}/hooks/${id}`)).toMatchObject({ status: 200, body: EMPTY_TWIML.body });
  });

  it('when a channel kind takes no provider webhooks (web chat), then its webhook is not found', async () => {
    const webchat = await stack.db
      .insertInto('channels')
      .values({ org_id: org.orgId, kind: 'webchat', name: 'Web chat', config: JSON.stringify({ webhookSecret: secret }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await hook({ messages: [{ from: '07911 123484', text: 'hi', id: 'tw-1' }] }, secret, webchat.id);
    expect(res.status).toBe(404);
  });
});
