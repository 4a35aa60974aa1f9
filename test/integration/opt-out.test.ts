import { greetingJourney } from '../fixtures/journeys';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const CONFIRM_STOP = 'You have been unsubscribed and will get no more messages here. Reply START to subscribe again.';

describe('opt-out, before any journey logic', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const ledger = (address: string) =>
    stack.db
      .selectFrom('consents as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select(['c.status', 'c.source', 'c.created_at'])
      .where('c.org_id', '=', org.orgId)
      .where('ct.address', '=', address)
      .orderBy('c.created_at')
      .execute();

  it('when a person sends "stop" mid-journey, then it is recorded in the ledger, the conversation ends, and one confirmation goes out even if the provider repeats the webhook', async () => {
    const created = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: '07911 123470', fields: { firstName: 'Fi' } }],
    });
    expect(created.status).toBe(201);
    const phone = sandboxPhone(api, org.channelId, '07911 123470');
    await phone.receive(2);
    const res = await phone.say('  Stop ', 'stop-1');
    expect(res.consent).toBe('opted_out');
    expect(await phone.receive(1)).toEqual([CONFIRM_STOP]);
    const again = await phone.say('  Stop ', 'stop-1');
    expect(again.duplicate).toBe(true);

    const conversation = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${res.conversationId}`);
      return r.body.status === 'ended' ? r.body : undefined;
    });
    expect(conversation.outcome).toBe('Opted out');
    const rows = await ledger('+447911123470');
    expect(rows.map((r) => [r.status, r.source])).toEqual([['opted_out', 'keyword']]);
    await phone.say('yes');
    expect(await phone.pending()).toEqual([]);
  });

  it('when a later campaign includes the opted-out person, then they are skipped and sent nothing', async () => {
    const created = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: '07911 123470' }, { address: '07911 123471', fields: { firstName: 'Gus' } }],
    });
    const view = await eventually(async () => {
      const r = await api.get(`/v1/campaigns/${created.body.id}`);
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(view.counts).toEqual({ skipped: 1, active: 1 });
    expect(view.outcomes).toEqual({ 'Opted out': 1 });
    expect(await sandboxPhone(api, org.channelId, '07911 123471').receive(2)).toHaveLength(2);
    // Fi's whole history: the first campaign's two messages and the confirmation, nothing since.
    expect(await sandboxPhone(api, org.channelId, '07911 123470').pending()).toEqual([
      'Hi Fi, this is Parley.',
      'Can we help with your account today? Reply YES or NO.',
      CONFIRM_STOP,
    ]);
  });

  it('when they send START, then they are opted back in and a new campaign reaches them', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123470');
    await phone.receive(3);
    const res = await phone.say('START');
    expect(res.consent).toBe('opted_in');
    expect(await phone.receive(1)).toEqual(['You are subscribed again. Reply STOP at any time to unsubscribe.']);
    expect((await ledger('+447911123470')).map((r) => r.status)).toEqual(['opted_out', 'opted_in']);
    await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: '07911 123470', fields: { firstName: 'Fi' } }],
    });
    expect(await phone.receive(2)).toEqual(['Hi Fi, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
  });

  it('when "stop" is part of a longer message, then it is an ordinary reply', async () => {
    await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address: '07911 123472' } });
    const phone = sandboxPhone(api, org.channelId, '07911 123472');
    await phone.receive(2);
    const res = await phone.say('please do not stop');
    expect(res.consent).toBeUndefined();
    expect(await phone.receive(1)).toEqual(['Please reply YES or NO.']);
    expect(await ledger('+447911123472')).toEqual([]);
  });
});
