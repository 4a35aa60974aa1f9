import { randomInt } from 'node:crypto';
import { hmacSha256Header } from '../../channels/signature';
import { createChannel } from '../../db/channels';
import { type Accepted, type FakeWhatsApp, startFakeWhatsApp } from '../fakes/whatsapp';
import { tableCounts } from '../helpers/rows';
import { greetingJourney } from '../fixtures/journeys';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';
import { withBodies } from '../helpers/sealed';

// Its own number per file: the suite shares one database, and /hooks/whatsapp routes by this id.
const PHONE_NUMBER_ID = `1065${randomInt(10 ** 10, 10 ** 11)}`;
const SECRETS = { accessToken: 'EAAG-integration', appSecret: 'integration-app-secret', verifyToken: 'integration-verify' };

describe('a WhatsApp channel, end to end against the fake Cloud API', () => {
  let stack: TestStack;
  let fake: FakeWhatsApp;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let channelId: string;
  let hookUrl: string;

  const sentTo = (digits: string) => fake.accepted.filter((a) => a.to === digits);
  /** Waits for the nth message the fake accepted for a number. */
  const nth = (digits: string, n: number) =>
    eventually(async () => sentTo(digits)[n - 1], 30_000, `message ${n} to ${digits}`) as Promise<Accepted>;
  const row = (providerMessageId: string) =>
    stack.db
      .selectFrom('messages')
      .select(['id', 'status', 'error', 'conversation_id'])
      .where('channel_id', '=', channelId)
      .where('provider_message_id', '=', providerMessageId)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    stack = await startTestStack();
    fake = await startFakeWhatsApp({ ...SECRETS, phoneNumberId: PHONE_NUMBER_ID, enforceWindow: true });
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
    const config = {
      phoneNumberId: PHONE_NUMBER_ID,
      ...SECRETS,
      apiBaseUrl: fake.baseUrl,
      requestTimeoutMs: 1000,
      templates: {
        hello: { name: 'greeting', language: 'en_GB', parameters: ['<<firstName>>'] },
        question: { name: 'account_help', language: 'en_GB' },
      },
    };
    ({ id: channelId } = await createChannel(stack.db, { orgId: org.orgId, kind: 'whatsapp', name: 'WhatsApp', config }));
    hookUrl = `${stack.url}/hooks/${channelId}`;
  });
  afterAll(async () => {
    await stack?.stop();
    await fake?.close();
  });

  it('when a campaign starts, then its first messages reach the fake as templates, since no one has written in', async () => {
    const res = await api.post('/v1/campaigns', {
      name: 'WhatsApp spring',
      journeyId: org.journeyId,
      channelId,
      contacts: [
        { address: '07911 123501', fields: { firstName: 'Aoife' } },
        { address: '07911 123502', fields: { firstName: 'Bram' } },
      ],
    });
    expect(res.status).toBe(201);
    const [hello, question] = [await nth('447911123501', 1), await nth('447911123501', 2)];
    expect(hello.body.template).toEqual({
      name: 'greeting',
      language: { code: 'en_GB' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Aoife' }] }],
    });
    expect(question.body.template).toEqual({ name: 'account_help', language: { code: 'en_GB' } });
    expect((await nth('447911123502', 1)).body.template.components[0].parameters).toEqual([{ type: 'text', text: 'Bram' }]);
    expect(await eventually(async () => ((await row(question.id)).status === 'sent' ? true : undefined))).toBe(true);
  });

  it('when the person answers with a signed button reply, then the conversation answers in free text, inside the window', async () => {
    const reply = await fake.inbound(hookUrl, '447911123501', { type: 'button', button: { text: 'Yes', payload: 'YES' } });
    expect(reply.status).toBe(200);
    const answer = await nth('447911123501', 3);
    expect(answer.body).toMatchObject({ type: 'text', text: { body: 'Great, Aoife. An agent will be in touch.', preview_url: false } });
    // The fake has the request a moment before the send records the provider's id.
    const conversation = await eventually(async () => (await row(answer.id)).conversation_id ?? undefined);
    const view = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${conversation}/transcript`);
      return r.body.status === 'ended' ? r.body : undefined;
    });
    expect(view.outcome).toBe('Callback requested');
  });

  it('when Meta posts to the app-level /hooks/whatsapp, then the phone_number_id picks the channel; an unknown number is a 404 and stores nothing', async () => {
    const reply = await fake.inbound(`${stack.url}/hooks/whatsapp`, '447911123509', { type: 'text', text: { body: 'hello there' } });
    expect(reply.status).toBe(200);
    const inbound = await stack.db
      .selectFrom('messages')
      .select('body')
      .where('channel_id', '=', channelId)
      .where('direction', '=', 'in')
      .execute();
    const stored = (await withBodies(stack.db, inbound)).filter((m) => m.body === 'hello there');
    expect(stored).toHaveLength(1);

    const before = await tableCounts(stack.db, [org.orgId]);
    const elsewhere = fake.envelope({
      messages: [{ from: '447911123509', id: 'wamid.other', timestamp: '1', type: 'text', text: { body: 'hi' } }],
    });
    elsewhere.entry[0].changes[0].value.metadata.phone_number_id = '999999999';
    expect((await fake.deliver(`${stack.url}/hooks/whatsapp`, elsewhere)).status).toBe(404);
    expect((await fake.deliver(`${stack.url}/hooks/whatsapp`, { object: 'whatsapp_business_account', entry: [] })).status).toBe(400);
    expect(await tableCounts(stack.db, [org.orgId])).toEqual(before);
  });

  it('when statuses arrive out of order and repeated, then the message only moves forward to read', async () => {
    const hello = await nth('447911123502', 1);
    for (const status of ['delivered', 'read', 'delivered', 'sent', 'read']) {
      expect((await fake.status(hookUrl, hello, status)).status).toBe(200);
    }
    expect(await row(hello.id)).toMatchObject({ status: 'read', error: null });
    const question = await nth('447911123502', 2);
    await fake.status(hookUrl, question, 'failed', { errors: [{ code: 131026, title: 'Message undeliverable' }] });
    await fake.status(hookUrl, question, 'read');
    expect(await row(question.id)).toMatchObject({ status: 'failed', error: 'WhatsApp error 131026: Message undeliverable' });
  });

  it('when the same inbound message is delivered 5 times at once, then one message row is stored and answered once', async () => {
    const id = 'wamid.duplicate-five';
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => fake.inbound(hookUrl, '447911123502', { type: 'text', text: { body: 'no' } }, id)),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const rows = await stack.db.selectFrom('messages').select('conversation_id').where('provider_message_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    const answer = await nth('447911123502', 3);
    expect(answer.body.text.body).toBe('No problem. Goodbye.');
    // Routed after the acknowledgement: its conversation is known by now.
    const [routed] = await stack.db.selectFrom('messages').select('conversation_id').where('provider_message_id', '=', id).execute();
    const view = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${routed.conversation_id}/transcript`);
      return r.body.status === 'ended' ? r.body : undefined;
    });
    expect(view.messages.filter((m: { direction: string }) => m.direction === 'in')).toHaveLength(1);
    expect(view.messages.filter((m: { text: string }) => m.text === 'No problem. Goodbye.')).toHaveLength(1);
  });

  it('when the window is shut and a step has no template, then that message fails with the reason in the transcript', async () => {
    const config = { phoneNumberId: PHONE_NUMBER_ID, ...SECRETS, apiBaseUrl: fake.baseUrl };
    const bare = await createChannel(stack.db, { orgId: org.orgId, kind: 'whatsapp', name: 'No templates', config });
    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: bare.id,
      contact: { address: '07911 123503', fields: { firstName: 'Chen' } },
    });
    expect(started.status).toBe(201);
    const view = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${started.body.id}/transcript`);
      return r.body.messages?.some((m: { status: string }) => m.status === 'failed') ? r.body : undefined;
    });
    expect(view.messages[0]).toMatchObject({
      direction: 'out',
      status: 'failed',
      error: "outside WhatsApp's 24-hour window: only a template may be sent, and step hello has no template",
    });
    expect(sentTo('447911123503')).toEqual([]);
  });

  it('when Meta takes a message but its answer is lost, then the send waits for the status callback and is never repeated', async () => {
    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId,
      contact: { address: '07911 000504', fields: { firstName: 'Dee' } },
    });
    expect(started.status).toBe(201);
    const hello = await nth('447911000504', 1);
    expect(hello.body.template.name).toBe('greeting');
    // The adapter's call timed out; Meta's status callback carries the send's key back.
    expect((await fake.status(hookUrl, hello, 'sent')).status).toBe(200);
    const stored = await eventually(async () => {
      const r = await stack.db
        .selectFrom('messages')
        .select(['status', 'step'])
        .where('provider_message_id', '=', hello.id)
        .executeTakeFirst();
      return r?.status === 'sent' ? r : undefined;
    });
    expect(stored.step).toBe('hello');
    const question = await nth('447911000504', 2);
    expect(question.body.template.name).toBe('account_help');
    await fake.status(hookUrl, question, 'sent');
    await eventually(async () => (await row(question.id).catch(() => undefined))?.status === 'sent' || undefined);
    expect(sentTo('447911000504').map((a) => a.body.template.name)).toEqual(['greeting', 'account_help']);
  });

  it('when the webhook is checked, then the right token gets the challenge and a wrong one 403; a bad signature stores nothing', async () => {
    const check = (token: string, id = channelId) =>
      fetch(`${stack.url}/hooks/${id}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=8472`).then(async (r) => [
        r.status,
        await r.text(),
      ]);
    expect(await check(SECRETS.verifyToken)).toEqual([200, '8472']);
    expect((await check('wrong'))[0]).toBe(403);
    expect((await check(SECRETS.verifyToken, org.channelId))[0]).toBe(404);

    const body = fake.envelope({
      messages: [{ from: '447911123504', id: 'wamid.forged', timestamp: '1', type: 'text', text: { body: 'x' } }],
    });
    expect((await fake.deliver(hookUrl, body, 'not the app secret')).status).toBe(401);
    const stored = await stack.db.selectFrom('messages').select('id').where('provider_message_id', '=', 'wamid.forged').execute();
    expect(stored).toEqual([]);
  });

  it('when the body arrives with spacing and escapes of its own, then it verifies on its raw bytes', async () => {
    const text = `{ "object": "whatsapp_business_account", "entry": [ { "id": "WABA_ID", "changes": [ { "field": "messages", "value": {
      "metadata": { "phone_number_id": "${PHONE_NUMBER_ID}" }, "statuses": [ { "id": "wamid.none", "status": "read", "timestamp": "1" } ],
      "note": "caf\\u00e9" } } ] } ] }`;
    const res = await fetch(hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': hmacSha256Header(SECRETS.appSecret, text) },
      body: text,
    });
    expect(res.status).toBe(200);
  });
});
