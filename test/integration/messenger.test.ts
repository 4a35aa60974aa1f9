import { type Accepted, type FakeMessenger, startFakeMessenger } from '../fakes/messenger';
import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const PAGE_ID = '104532281234567';
const SECRETS = { pageAccessToken: 'EAAB-integration', appSecret: 'integration-app-secret', verifyToken: 'integration-verify' };
const [AOIFE, BRAM, DEE] = ['6100000000000001', '6100000000000002', '6100000000000504'];

describe('a Messenger channel, end to end against the fake Send API', () => {
  let stack: TestStack;
  let fake: FakeMessenger;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let channelId: string;
  let hookUrl: string;

  const sentTo = (psid: string) => fake.accepted.filter((a) => a.to === psid);
  /** Waits for the nth message the fake accepted for a PSID. */
  const nth = (psid: string, n: number) =>
    eventually(async () => sentTo(psid)[n - 1], 30_000, `message ${n} to ${psid}`) as Promise<Accepted>;
  const row = (mid: string) =>
    stack.db
      .selectFrom('messages')
      .select(['id', 'status', 'status_at', 'conversation_id'])
      .where('channel_id', '=', channelId)
      .where('provider_message_id', '=', mid)
      .executeTakeFirstOrThrow();
  /** Waits until the messages with these mids are recorded with this status. */
  const statusOf = (mids: string[], status: string) =>
    eventually(
      async () => {
        const rows = await Promise.all(mids.map((mid) => row(mid).catch(() => undefined)));
        return rows.every((r) => r?.status === status) ? rows : undefined;
      },
      30_000,
      `${mids.length} message(s) ${status}`,
    );
  const start = async (psid: string, firstName: string) => {
    const res = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId,
      contact: { address: psid, fields: { firstName } },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const ended = (conversationId: string) =>
    eventually(async () => {
      const r = await api.get(`/v1/conversations/${conversationId}/transcript`);
      return r.body.status === 'ended' ? r.body : undefined;
    });

  beforeAll(async () => {
    stack = await startTestStack();
    fake = await startFakeMessenger({ ...SECRETS, pageId: PAGE_ID, enforceWindow: true });
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(async () => {
    await stack?.stop();
    await fake?.close();
  });

  it('when the channel is configured through POST /v1/channels, then it is created and shown without its secrets', async () => {
    const res = await api.post('/v1/channels', {
      kind: 'messenger',
      name: 'Messenger',
      config: {
        pageId: PAGE_ID,
        ...SECRETS,
        apiBaseUrl: fake.baseUrl,
        requestTimeoutMs: 1000,
        tags: { hello: 'ACCOUNT_UPDATE', question: 'ACCOUNT_UPDATE' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'messenger',
      config: { pageId: PAGE_ID, apiBaseUrl: fake.baseUrl, tags: { hello: 'ACCOUNT_UPDATE', question: 'ACCOUNT_UPDATE' } },
      capabilities: { sessionWindowHours: 24 },
      webhookPath: `/hooks/${res.body.id}`,
    });
    expect(Object.keys(res.body.config)).not.toEqual(expect.arrayContaining(['pageAccessToken']));
    expect(JSON.stringify(res.body)).not.toContain(SECRETS.appSecret);
    const bad = await api.post('/v1/channels', { kind: 'messenger', name: 'M', config: { ...SECRETS, pageId: 'my-page' } });
    expect(bad.status).toBe(400);
    channelId = res.body.id;
    hookUrl = `${stack.url}/hooks/${channelId}`;
  });

  it('when a journey starts for a PSID, then its messages go out tagged, since the person has not written in', async () => {
    await start(AOIFE, 'Aoife');
    const [hello, question] = [await nth(AOIFE, 1), await nth(AOIFE, 2)];
    expect(hello.body).toEqual({
      recipient: { id: AOIFE },
      messaging_type: 'MESSAGE_TAG',
      tag: 'ACCOUNT_UPDATE',
      message: { text: 'Hi Aoife, this is Parley.', metadata: expect.any(String) },
    });
    expect(question.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE' });
    await statusOf([hello.id, question.id], 'sent');
  });

  it('when the person answers with a quick reply, then it reaches the conversation, which answers inside the window', async () => {
    const reply = await fake.inbound(hookUrl, AOIFE, { text: 'Yes', quick_reply: { payload: 'ANSWER_YES' } });
    expect(reply.status).toBe(200);
    const answer = await nth(AOIFE, 3);
    expect(answer.body).toEqual({
      recipient: { id: AOIFE },
      messaging_type: 'RESPONSE',
      message: { text: 'Great, Aoife. An agent will be in touch.', metadata: expect.any(String) },
    });
    const view = await ended((await statusOf([answer.id], 'sent'))[0]!.conversation_id!);
    expect(view.outcome).toBe('Callback requested');
    expect(view.messages.filter((m: { direction: string }) => m.direction === 'in').map((m: { text: string }) => m.text)).toEqual(['Yes']);
  });

  it('when a delivery watermark and then a read watermark arrive, then every message sent before them ends read', async () => {
    const mids = sentTo(AOIFE).map((a) => a.id);
    expect(mids).toHaveLength(3);
    await statusOf(mids, 'sent');
    const delivered = await fake.delivery(hookUrl, AOIFE, Date.now());
    expect(delivered.status).toBe(200);
    expect(JSON.parse(delivered.text).statusesApplied).toBe(3);
    await statusOf(mids, 'delivered');
    const read = await fake.read(hookUrl, AOIFE, Date.now());
    expect(JSON.parse(read.text).statusesApplied).toBe(3);
    await statusOf(mids, 'read');
    // A late delivery changes nothing.
    expect(JSON.parse((await fake.delivery(hookUrl, AOIFE, Date.now(), mids)).text).statusesApplied).toBe(0);
    await statusOf(mids, 'read');
  });

  it('when the read watermark comes before the delivery, then the messages still end read', async () => {
    await start(BRAM, 'Bram');
    const mids = [(await nth(BRAM, 1)).id, (await nth(BRAM, 2)).id];
    await statusOf(mids, 'sent');
    expect(JSON.parse((await fake.read(hookUrl, BRAM, Date.now())).text).statusesApplied).toBe(2);
    expect((await fake.delivery(hookUrl, BRAM, Date.now(), mids)).status).toBe(200);
    await statusOf(mids, 'read');
    // Aoife's messages were not Bram's.
    expect(sentTo(AOIFE)).toHaveLength(3);
  });

  it('when the same inbound message is delivered 5 times at once, then one message row is stored and answered once', async () => {
    const mid = 'm_duplicate-five';
    const replies = await Promise.all(Array.from({ length: 5 }, () => fake.inbound(hookUrl, BRAM, { text: 'no' }, mid)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const rows = await stack.db
      .selectFrom('messages')
      .select('conversation_id')
      .where('channel_id', '=', channelId)
      .where('provider_message_id', '=', mid)
      .execute();
    expect(rows).toHaveLength(1);
    const answer = await nth(BRAM, 3);
    expect(answer.body).toMatchObject({ messaging_type: 'RESPONSE', message: { text: 'No problem. Goodbye.' } });
    // Routed after the acknowledgement: its conversation is known by now.
    const [routed] = await stack.db
      .selectFrom('messages')
      .select('conversation_id')
      .where('channel_id', '=', channelId)
      .where('provider_message_id', '=', mid)
      .execute();
    const view = await ended(routed.conversation_id!);
    expect(view.messages.filter((m: { direction: string }) => m.direction === 'in')).toHaveLength(1);
    expect(view.messages.filter((m: { text: string }) => m.text === 'No problem. Goodbye.')).toHaveLength(1);
  });

  it("when Meta takes a message but its answer is lost, then the send waits for the message's echo and is never repeated", async () => {
    await start(DEE, 'Dee');
    const hello = await nth(DEE, 1);
    // The adapter's call times out; the page's echo carries the send's key back.
    expect((await fake.echo(hookUrl, hello)).status).toBe(200);
    await statusOf([hello.id], 'sent');
    const question = await nth(DEE, 2);
    await fake.echo(hookUrl, question);
    await statusOf([question.id], 'sent');
    expect(sentTo(DEE).map((a) => a.body.message.text)).toEqual([
      'Hi Dee, this is Parley.',
      'Can we help with your account today? Reply YES or NO.',
    ]);
  });

  it('when the webhook is checked, then the right token gets the challenge and a wrong one 403; a bad signature stores nothing', async () => {
    const check = (token: string) =>
      fetch(`${hookUrl}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=8472`).then(async (r) => [r.status, await r.text()]);
    expect(await check(SECRETS.verifyToken)).toEqual([200, '8472']);
    expect((await check('wrong'))[0]).toBe(403);

    const before = await tableCounts(stack.db, [org.orgId]);
    const forged = fake.envelope({
      sender: { id: AOIFE },
      recipient: { id: PAGE_ID },
      timestamp: 1,
      message: { mid: 'm_forged', text: 'x' },
    });
    expect((await fake.deliver(hookUrl, forged, 'not the app secret')).status).toBe(401);
    expect((await fake.deliver(hookUrl, fake.envelope({ sender: { id: 'not-a-psid' }, read: { watermark: 1 } }))).status).toBe(400);
    expect(await tableCounts(stack.db, [org.orgId])).toEqual(before);
  });
});
