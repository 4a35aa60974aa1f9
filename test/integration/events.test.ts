import { randomUUID } from 'node:crypto';
import { hmacSha256Header } from '../../channels/signature';
import { openEventData } from '../../db/data-keys';
import { EVENT_TYPES, campaignEvents, conversationEvents } from '../../db/events';
import { markSent, storeMessage } from '../../db/messages';
import { EVENT_DATA, eventEnvelope, eventEnvelopeSchema } from '../../platform/events';
import { channelSecret } from '../helpers/secrets';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

/** A question, a reply, an outcome, a note, a hand-off to an agent and back, and an end. */
const journey = {
  name: 'Events',
  start: 'hello',
  steps: [
    { id: 'hello', kind: 'message', text: 'Hi, this is Parley.', next: 'question' },
    {
      id: 'question',
      kind: 'ask',
      text: 'Would you like a callback? Reply YES or NO.',
      timeout: '1h',
      branches: [{ match: { yesno: 'yes' }, next: 'outcome' }],
      fallback: 'bye',
    },
    { id: 'outcome', kind: 'setOutcome', outcome: 'Callback requested', next: 'note' },
    { id: 'note', kind: 'addNote', text: 'Asked for a callback', next: 'agent' },
    { id: 'agent', kind: 'handoff', next: 'bye' },
    { id: 'bye', kind: 'message', text: 'Thanks, goodbye.', next: 'end' },
    { id: 'end', kind: 'end' },
  ],
};

const ADDRESS = '07911 123501';

describe('the event outbox', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, journey);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const status = async (path: string) => (await api.get(path)).body.status as string;

  it('when a campaign runs a conversation through a journey, then its events are recorded in order, numbered 1..n', async () => {
    const phone = sandboxPhone(api, org.channelId, ADDRESS);
    const created = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: ADDRESS }],
    });
    expect(created.status).toBe(201);
    const campaignId = created.body.id as string;
    expect(await phone.receive(2)).toEqual(['Hi, this is Parley.', 'Would you like a callback? Reply YES or NO.']);
    const reply = await phone.say('Yes');
    const conversationId = reply.conversationId!;
    await eventually(async () => ((await status(`/v1/conversations/${conversationId}`)) === 'handoff' ? true : undefined));
    expect((await api.post(`/v1/conversations/${conversationId}/handback`, {})).status).toBe(202);
    expect(await phone.receive(1)).toEqual(['Thanks, goodbye.']);
    await eventually(async () => ((await status(`/v1/campaigns/${campaignId}`)) === 'completed' ? true : undefined));

    // Message texts and notes are sealed in the stored data too; opened as the webhooks get them.
    const events = await Promise.all(
      (await conversationEvents(stack.db, conversationId)).map(async (e) => ({
        ...e,
        data: await openEventData(stack.db, e.org_id, e.data),
      })),
    );
    expect(events.map((e) => e.type)).toEqual([
      'conversationStarted',
      'messageSend',
      'messageStatusUpdate',
      'messageSend',
      'messageStatusUpdate',
      'inboundMessage',
      'outcomeSet',
      'noteAdded',
      'handoffRequested',
      'messageSend',
      'messageStatusUpdate',
      'conversationEnded',
    ]);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    for (const e of events) {
      expect(e).toMatchObject({ org_id: org.orgId, campaign_id: campaignId });
      expect(eventEnvelopeSchema.parse(eventEnvelope(e))).toBeTruthy();
      expect(EVENT_DATA[e.type as keyof typeof EVENT_DATA].safeParse(e.data).error).toBeUndefined();
    }
    expect(events.find((e) => e.type === 'outcomeSet')!.data).toMatchObject({ conversationId, outcome: 'Callback requested' });
    expect(events.find((e) => e.type === 'noteAdded')!.data).toMatchObject({ note: 'Asked for a callback' });
    expect(events.filter((e) => e.type === 'messageSend').map((e) => e.data.text)).toEqual([
      'Hi, this is Parley.',
      'Would you like a callback? Reply YES or NO.',
      'Thanks, goodbye.',
    ]);
    expect(events.at(-1)!.data).toMatchObject({ status: 'ended', outcome: 'Callback requested' });

    // The reply is recorded once the relay has routed it: with its conversation, in that conversation's sequence.
    const inbound = await stack.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'inboundMessage')
      .where('org_id', '=', org.orgId)
      .execute();
    expect(await Promise.all(inbound.map((e) => openEventData(stack.db, e.org_id, e.data)))).toEqual([
      expect.objectContaining({ messageId: reply.messageId, text: 'Yes', direction: 'in', conversationId, campaignId }),
    ]);
    expect(inbound[0]).toMatchObject({ conversation_id: conversationId, campaign_id: campaignId });
    expect(events.find((e) => e.type === 'inboundMessage')?.sequence).toBe(inbound[0].sequence);

    const own = await campaignEvents(stack.db, campaignId);
    expect(own.map((e) => [e.type, e.sequence])).toEqual([
      ['campaignStarted', 1],
      ['campaignCompleted', 2],
    ]);
    // The campaign completes once its member has started: how far that conversation had got by then varies.
    expect(own[1].data).toMatchObject({ campaignId, progress: { started: 1, pending: 0 } });
    expect(Object.keys(own[1].data.outcomes as object).every((o) => o === 'Callback requested')).toBe(true);
  });

  it('when a scheduled campaign is cancelled, then each pending member gets one conversationEnded event, numbered 1', async () => {
    const addresses = ['07911 123601', '07911 123602', '07911 123603', '07911 123604'];
    const created = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      startAt: new Date(Date.now() + 86_400_000).toISOString(),
      contacts: addresses.map((address) => ({ address })),
    });
    expect(created.status).toBe(201);
    const campaignId = created.body.id as string;
    expect((await api.post(`/v1/campaigns/${campaignId}/cancel`, {})).status).toBe(202);
    await eventually(async () => ((await status(`/v1/campaigns/${campaignId}`)) === 'cancelled' ? true : undefined));

    const members = await stack.db.selectFrom('conversations').select('id').where('campaign_id', '=', campaignId).execute();
    expect(members).toHaveLength(addresses.length);
    for (const { id } of members) {
      const events = await conversationEvents(stack.db, id);
      expect(events.map((e) => [e.type, e.sequence, (e.data as { status: string }).status])).toEqual([
        ['conversationEnded', 1, 'cancelled'],
      ]);
    }
  });

  it('when the same inbound webhook arrives twice, then one inboundMessage event is recorded', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123502');
    const first = await phone.say('hello there', 'dup-inbound-1');
    const again = await phone.say('hello there', 'dup-inbound-1');
    expect(again).toMatchObject({ messageId: first.messageId, duplicate: true });
    const events = await stack.db.selectFrom('events').select('data').where('type', '=', 'inboundMessage').execute();
    expect(events.filter((e) => e.data.messageId === first.messageId)).toHaveLength(1);
  });

  it('when a status callback repeats or arrives out of order, then each status is recorded once, moving forward only', async () => {
    const conversationId = (
      await stack.db.selectFrom('conversations').select('id').where('org_id', '=', org.orgId).executeTakeFirstOrThrow()
    ).id;
    const { message } = await storeMessage(stack.db, {
      orgId: org.orgId,
      conversationId,
      channelId: org.channelId,
      direction: 'out',
      author: 'agent',
      body: 'One more thing',
      idempotencyKey: randomUUID(),
    });
    const sent = { id: message.id, provider_message_id: `sbx_${randomUUID()}` };
    await markSent(stack.db, sent.id, { status: 'sent', providerMessageId: sent.provider_message_id });
    const secret = await channelSecret(stack.db, org.channelId);
    const callback = async (...statuses: { id: string; status: string }[]) => {
      const body = JSON.stringify({ statuses });
      const res = await apiClient(stack.url).raw('POST', `/hooks/${org.channelId}`, body, {
        'content-type': 'application/json',
        'x-parley-signature': hmacSha256Header(secret, body),
      });
      expect(res.status).toBe(200);
    };
    const id = sent.provider_message_id!;
    await callback({ id, status: 'read' });
    await callback({ id, status: 'delivered' });
    await callback({ id, status: 'read' });
    const events = await stack.db
      .selectFrom('events')
      .select('data')
      .where('type', '=', 'messageStatusUpdate')
      .orderBy('position')
      .execute();
    expect(events.filter((e) => e.data.messageId === sent.id).map((e) => e.data.status)).toEqual(['sent', 'read']);
  });

  it('when a person texts STOP, then one contactOptedOut event names them', async () => {
    const phone = sandboxPhone(api, org.channelId, ADDRESS);
    const stop = await phone.say('STOP', 'stop-1');
    await phone.say('STOP', 'stop-1');
    const contact = await stack.db
      .selectFrom('contacts')
      .select('id')
      .where('org_id', '=', org.orgId)
      .where('address', '=', '+447911123501')
      .executeTakeFirstOrThrow();
    const events = await eventually(async () => {
      const rows = await stack.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'contactOptedOut')
        .where('org_id', '=', org.orgId)
        .execute();
      return rows.length > 0 ? rows : undefined;
    });
    expect(events.map((e) => [e.contact_id, e.data])).toEqual([
      [contact.id, { contactId: contact.id, channelId: org.channelId, source: 'keyword', messageId: stop.messageId }],
    ]);
  });

  it('when the schemas are asked for, then every event type has its JSON Schema', async () => {
    const res = await api.get('/v1/webhooks/schemas');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([...EVENT_TYPES].sort());
    expect(res.body.campaignCompleted.properties.data.required).toEqual(['campaignId', 'status', 'progress', 'outcomes']);
    expect((await apiClient(stack.url).get('/v1/webhooks/schemas')).status).toBe(401);
  });
});
