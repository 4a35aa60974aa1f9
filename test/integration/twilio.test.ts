import { WorkflowNotFoundError } from '@temporalio/client';
import { EMPTY_TWIML, twilioSignature } from '../../channels/twilio';
import { createChannel } from '../../db/channels';
import { noticeWorkflowId } from '../../workflows/contracts';
import { type FakeTwilio, newSid, startFakeTwilio } from '../fakes/twilio';
import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';
import { withBodies } from '../helpers/sealed';

// Twilio reaches us through a TLS-terminating proxy at this address; the API listens elsewhere.
const PUBLIC = 'https://parley.example.com/edge';
const OUR_NUMBER = '+15005550006';

describe('a Twilio SMS channel, end to end against the fake Twilio', () => {
  let stack: TestStack;
  let fake: FakeTwilio;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let channelId: string;
  const hookUrl = () => `${PUBLIC}/hooks/${channelId}`;

  beforeAll(async () => {
    fake = await startFakeTwilio({ deliver: (url) => url.replace(PUBLIC, stack.url) });
    stack = await startTestStack({ PUBLIC_URL: PUBLIC });
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
    // Faster than a long code's default of 1 a second, so that these tests do not wait for send slots.
    const config = {
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: OUR_NUMBER,
      apiBaseUrl: fake.url,
      channel: 'sms',
      ratePerSecond: 50,
    };
    ({ id: channelId } = await createChannel(stack.db, { orgId: org.orgId, kind: 'twilio', name: 'SMS', config }));
  });
  afterAll(async () => {
    await stack?.stop();
    await fake?.close();
  });

  const sentTo = (to: string) => fake.messages.filter((m) => m.to === to);
  const posts = (to: string) => fake.requests.filter((r) => r.method === 'POST' && new URLSearchParams(r.body).get('To') === to);
  /** Waits until the fake has taken `n` messages to `to`; returns them. */
  const received = (to: string, n: number, timeoutMs?: number) =>
    eventually(async () => (sentTo(to).length >= n ? sentTo(to) : undefined), timeoutMs, `${n} message(s) to ${to}`);
  const campaign = async (address: string) => {
    const res = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId,
      contacts: [{ address, fields: { firstName: 'Aoife' } }],
    });
    expect(res.status).toBe(201);
  };
  const row = (sid: string) =>
    stack.db
      .selectFrom('messages')
      .select(['id', 'status', 'error', 'conversation_id'])
      .where('provider_message_id', '=', sid)
      .executeTakeFirstOrThrow();
  const conversationOf = async (sid: string) => {
    const { conversation_id } = await row(sid);
    return eventually(async () => {
      const res = await api.get(`/v1/conversations/${conversation_id}`);
      return res.body.status === 'ended' ? res.body : undefined;
    });
  };

  it('when a campaign runs, then its messages reach Twilio as its form, signed in with Basic auth, with a StatusCallback to the public URL', async () => {
    await campaign('07911 123460');
    const [hello, question] = await received('+447911123460', 2);
    expect([hello.body, question.body]).toEqual(['Hi Aoife, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
    expect(hello).toMatchObject({ from: OUR_NUMBER, statusCallback: hookUrl() });
    expect(posts('+447911123460')).toHaveLength(2);
    expect((await row(hello.sid)).status).toBe('sent');
  });

  it('when the person replies, then the signed inbound answers the conversation, and Twilio gets empty TwiML', async () => {
    await campaign('07911 123461');
    await received('+447911123461', 2);
    const res = await fake.postInbound(hookUrl(), { from: '+447911123461', to: OUR_NUMBER, body: 'No' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await res.text()).toBe(EMPTY_TWIML.body);
    const all = await received('+447911123461', 3);
    expect(all[2].body).toBe('No problem. Goodbye.');
    expect((await conversationOf(all[0].sid)).outcome).toBe('Completed');
  });

  it('when Twilio delivers the same inbound five times at once, then it is stored once and answered once', async () => {
    await campaign('07911 123467');
    const [hello] = await received('+447911123467', 2);
    const sid = newSid('SM');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => fake.postInbound(hookUrl(), { sid, from: '+447911123467', to: OUR_NUMBER, body: 'Yes' })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await conversationOf(hello.sid)).outcome).toBe('Callback requested');
    const stored = await stack.db
      .selectFrom('messages')
      .select('id')
      .where('channel_id', '=', channelId)
      .where('provider_message_id', '=', sid)
      .execute();
    expect(stored).toHaveLength(1);
    expect(sentTo('+447911123467').map((m) => m.body)).toEqual([
      'Hi Aoife, this is Parley.',
      'Can we help with your account today? Reply YES or NO.',
      'Great, Aoife. An agent will be in touch.',
    ]);
  });

  it('when status callbacks arrive out of order and repeated, then the message only moves forward; failed is final', async () => {
    await campaign('07911 123462');
    const [hello, question] = await received('+447911123462', 2);
    const statusOf = async (sid: string) => (await row(sid)).status;
    const post = async (sid: string, status: string, code?: number) => {
      const res = await fake.postStatus(sid, status, code);
      expect(res.status).toBe(200);
      return ((await res.json()) as { statusesApplied: number }).statusesApplied;
    };

    expect(await post(hello.sid, 'read')).toBe(1);
    expect(await post(hello.sid, 'delivered')).toBe(0);
    expect(await post(hello.sid, 'sent')).toBe(0);
    expect(await post(hello.sid, 'queued')).toBe(0);
    expect(await statusOf(hello.sid)).toBe('read');

    await eventually(() => row(question.sid));
    expect(await post(question.sid, 'sent')).toBe(0);
    expect(await post(question.sid, 'undelivered', 30007)).toBe(1);
    expect(await post(question.sid, 'delivered')).toBe(0);
    expect(await row(question.sid)).toMatchObject({ status: 'failed', error: 'Twilio 30007: the carrier filtered the message' });
  });

  it('when Twilio answers 21610, then the opt-out is recorded, the message fails with its reason, and it is never retried', async () => {
    await campaign('07911 121610');
    await eventually(async () => (posts('+447911121610').length >= 1 ? true : undefined));
    const optOut = await eventually(() =>
      stack.db
        .selectFrom('consents as c')
        .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
        .innerJoin('messages as m', 'm.id', 'c.message_id')
        .select(['c.status', 'c.source', 'm.status as messageStatus', 'm.error', 'm.conversation_id'])
        .where('ct.address', '=', '+447911121610')
        .executeTakeFirst(),
    );
    expect(optOut).toMatchObject({
      status: 'opted_out',
      source: 'provider',
      messageStatus: 'failed',
      error: 'Twilio 21610: the person opted out at Twilio (STOP)',
    });
    const ended = await eventually(async () => {
      const res = await api.get(`/v1/conversations/${optOut.conversation_id}`);
      return res.body.status === 'ended' ? res.body : undefined;
    });
    expect(ended.outcome).toBe('Opted out');
    expect(posts('+447911121610')).toHaveLength(1);
    expect(sentTo('+447911121610')).toEqual([]);
  });

  it('when the person texts STOP, then the opt-out is recorded and the conversation ends, with no confirmation from us (Twilio sends its own)', async () => {
    await campaign('07911 123463');
    const [hello] = await received('+447911123463', 2);
    const res = await fake.postInbound(hookUrl(), { from: '+447911123463', to: OUR_NUMBER, body: 'STOP' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(EMPTY_TWIML.body);
    expect((await conversationOf(hello.sid)).outcome).toBe('Opted out');
    const inbound = await stack.db
      .selectFrom('messages')
      .select(['id', 'body'])
      .where('channel_id', '=', channelId)
      .where('direction', '=', 'in')
      .execute();
    const [stop] = (await withBodies(stack.db, inbound)).filter((m) => m.body === 'STOP');
    const consent = await stack.db
      .selectFrom('consents')
      .select(['status', 'source'])
      .where('message_id', '=', stop.id)
      .executeTakeFirstOrThrow();
    expect(consent).toEqual({ status: 'opted_out', source: 'keyword' });
    // receiveInbound starts the confirmation before it answers: none was started.
    await expect(stack.client.workflow.getHandle(noticeWorkflowId(stop.id)).describe()).rejects.toThrow(WorkflowNotFoundError);
    expect(sentTo('+447911123463')).toHaveLength(2);
  });

  it('when Twilio fails a send once with a 500, then the retry sends it exactly once', async () => {
    fake.failNext(1, { status: 500 });
    await campaign('07911 123464');
    const [hello] = await received('+447911123464', 2);
    expect(hello.body).toBe('Hi Aoife, this is Parley.');
    expect(posts('+447911123464').map((r) => new URLSearchParams(r.body).get('Body'))).toEqual([
      'Hi Aoife, this is Parley.',
      'Hi Aoife, this is Parley.',
      'Can we help with your account today? Reply YES or NO.',
    ]);
  });

  it('when Twilio takes a message but never answers, then the next try finds it at Twilio instead of sending it again', async () => {
    fake.failNext(1, 'accept-and-hang');
    await campaign('07911 123465');
    const [hello, question] = await received('+447911123465', 2, 40_000);
    expect([hello.body, question.body]).toEqual(['Hi Aoife, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
    expect(posts('+447911123465')).toHaveLength(2);
    expect(await row(hello.sid)).toMatchObject({ status: 'sent' });
  }, 60_000);

  describe('webhooks that do not come from Twilio', () => {
    const inbound = (sid: string) =>
      new URLSearchParams({ MessageSid: sid, AccountSid: fake.accountSid, From: '+447911123466', To: OUR_NUMBER, Body: 'hi' });
    const post = (params: URLSearchParams, signature?: string) =>
      fetch(`${stack.url}/hooks/${channelId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
        body: params.toString(),
      });

    it.each([
      ['signed with another auth token', (p: URLSearchParams) => twilioSignature('e'.repeat(32), hookUrl(), p)],
      [
        'signed for the address the API sees (the Host header), not the public URL',
        (p: URLSearchParams) => twilioSignature(fake.authToken, `${stack.url}/hooks/${channelId}`, p),
      ],
      ['unsigned', () => undefined],
    ])('when one is %s, then it is a 401 and nothing is stored', async (_what, sign) => {
      // Status callbacks of the earlier tests' sends may still add their events meanwhile: those are not this request's.
      const stored = async () => {
        const { events: _events, event_counters: _counters, ...rows } = await tableCounts(stack.db, [org.orgId]);
        const inboundEvents = await stack.db
          .selectFrom('events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('org_id', '=', org.orgId)
          .where('type', '=', 'inboundMessage')
          .executeTakeFirstOrThrow();
        return { ...rows, inboundEvents: Number(inboundEvents.n) };
      };
      const before = await stored();
      const params = inbound(newSid('SM'));
      const res = await post(params, sign(params));
      expect(res.status).toBe(401);
      expect(await stored()).toEqual(before);
    });

    it('when one is tampered with after signing, then it is a 401', async () => {
      const params = inbound(newSid('SM'));
      const signature = twilioSignature(fake.authToken, hookUrl(), params);
      params.set('Body', 'something else');
      expect((await post(params, signature)).status).toBe(401);
    });
  });
});
