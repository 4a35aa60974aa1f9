import { greetingJourney } from '../fixtures/journeys';
import { recordHistory } from '../helpers/histories';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';
import { withBodies } from '../helpers/sealed';

describe('inbound conversations', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let faqJourneyId: string;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
    const faq = await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') });
    expect(faq.status).toBe(201);
    faqJourneyId = faq.body.id;
  });
  afterAll(() => stack?.stop());

  it('when a stranger writes and the org has no inbound journey, then the message is recorded and nothing starts', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123460');
    const res = await phone.say('hello?');
    expect(res.conversationId).toBeNull();
    const [stored] = await withBodies(
      stack.db,
      await stack.db.selectFrom('messages').select(['body', 'routed_at']).where('id', '=', res.messageId).execute(),
    );
    expect(stored.body).toBe('hello?');
    expect(stored.routed_at).not.toBeNull();
    expect(await phone.pending()).toEqual([]);
  });

  it('when five first messages from one sender arrive at once, then they make one conversation, whose id holds no phone number', async () => {
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faqJourneyId })).status).toBe(200);
    const phone = sandboxPhone(api, org.channelId, '07911 123461');
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => phone.say('opening hours?', `burst-${i}`)));
    const ids = new Set(answers.map((a) => a.conversationId));
    expect(ids.size).toBe(1);
    const [conversationId] = [...ids];
    const rows = await stack.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select(['c.id', 'c.workflow_id'])
      .where('ct.address', '=', '+447911123461')
      .where('c.org_id', '=', org.orgId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe(conversationId);
    expect(rows[0].workflow_id).toMatch(/^inbound:[A-Za-z0-9_-]{32}$/);
    expect(rows[0].workflow_id).not.toContain('7911123461');
    // The messages that started it answer its first question, one at a time.
    expect(await phone.receive(3)).toEqual([
      'Hi! I can help with opening hours, delivery, returns or payments. Or type AGENT to talk to a person.',
      "We're open 9am to 6pm, Monday to Saturday.",
      'Anything else I can help with?',
    ]);
    const inbound = await stack.db
      .selectFrom('messages')
      .select('conversation_id')
      .where('direction', '=', 'in')
      .where('provider_message_id', 'like', 'burst-%')
      .execute();
    expect(inbound.map((m) => m.conversation_id)).toEqual(Array(5).fill(conversationId));
  });

  it('when the FAQ customer asks for an agent, then the bot hands off, the agent talks, and closes with an outcome', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123462');
    const { conversationId } = await phone.say('I want to talk to someone');
    expect(await phone.receive(2)).toEqual([
      'Hi! I can help with opening hours, delivery, returns or payments. Or type AGENT to talk to a person.',
      'Connecting you to a member of our team. Please hold on.',
    ]);
    await eventually(async () => ((await api.get(`/v1/conversations/${conversationId}`)).body.status === 'handoff' ? true : undefined));
    expect((await api.post(`/v1/conversations/${conversationId}/messages`, { text: 'Hi, Sam here. How can I help?' })).status).toBe(201);
    expect(await phone.receive(1)).toEqual(['Hi, Sam here. How can I help?']);
    await phone.say('my parcel is late');
    expect(await phone.pending()).toEqual([]);
    expect((await api.post(`/v1/conversations/${conversationId}/notes`, { text: 'Parcel late, reissued' })).status).toBe(201);
    expect((await api.post(`/v1/conversations/${conversationId}/close`, { outcome: 'Resolved by bot' })).status).toBe(202);
    const done = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${conversationId}`);
      return r.body.status === 'ended' ? r.body : undefined;
    });
    expect(done.outcome).toBe('Resolved by bot');
    expect(done.notes).toEqual(['Customer asked: I want to talk to someone', 'Parcel late, reissued']);
    await recordHistory(done.workflowId, 'inbound-faq-handoff-v2');
  });

  it('when the agent hands back to a named step, then the bot resumes there', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123463');
    const { conversationId } = await phone.say('agent please');
    await phone.receive(2);
    await eventually(async () => ((await api.get(`/v1/conversations/${conversationId}`)).body.status === 'handoff' ? true : undefined));
    const bad = await api.post(`/v1/conversations/${conversationId}/handback`, { stepId: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'stepId', message: 'no such step' }]);
    expect((await api.post(`/v1/conversations/${conversationId}/handback`, { stepId: 'more' })).status).toBe(202);
    expect(await phone.receive(1)).toEqual(['Anything else I can help with?']);
    await phone.say('no thanks');
    expect(await phone.receive(1)).toEqual(['Thanks for getting in touch. Have a good day!']);
    const done = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${conversationId}`);
      return r.body.status === 'ended' ? r.body : undefined;
    });
    // The journey set "Handed to agent" before the hand-off; its own end after hand-back replaces it.
    expect(done.outcome).toBe('Resolved by bot');
  });

  it('when a sender with a live outbound conversation writes, then the message goes to that conversation', async () => {
    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123464', fields: { firstName: 'Eve' } },
    });
    const phone = sandboxPhone(api, org.channelId, '07911 123464');
    await phone.receive(2);
    const res = await phone.say('no');
    expect(res.conversationId).toBe(started.body.id);
    expect(await phone.receive(1)).toEqual(['No problem. Goodbye.']);
  });

  it('when a reply arrives after the conversation ended and no inbound journey is set, then it is recorded and starts nothing', async () => {
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: null })).status).toBe(200);
    const phone = sandboxPhone(api, org.channelId, '07911 123464');
    expect(await phone.receive(3)).toHaveLength(3);
    await eventually(async () =>
      (
        await stack.db
          .selectFrom('conversations as c')
          .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
          .select('c.status')
          .where('c.org_id', '=', org.orgId)
          .where('c.org_id', '=', org.orgId)
          .where('ct.address', '=', '+447911123464')
          .executeTakeFirstOrThrow()
      ).status === 'ended'
        ? true
        : undefined,
    );
    const res = await phone.say('one more thing');
    expect(res.conversationId).toBeNull();
    expect(await phone.pending()).toEqual([]);
    const n = await stack.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select(stack.db.fn.countAll<string>().as('n'))
      .where('c.org_id', '=', org.orgId)
      .where('ct.address', '=', '+447911123464')
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
  });

  it('when replies are odd (very long, emoji, right-to-left, empty), then they are stored and answered with a re-prompt', async () => {
    await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123465', fields: {} },
    });
    const phone = sandboxPhone(api, org.channelId, '07911 123465');
    expect(await phone.receive(2)).toEqual(['Hi there, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
    await phone.say('x'.repeat(10_000));
    expect(await phone.receive(1)).toEqual(['Please reply YES or NO.']);
    await phone.say('🙂 مرحبا');
    const last = await phone.receive(1);
    expect(last).toEqual(['No problem. Goodbye.']);
    const inbound = await withBodies(
      stack.db,
      await stack.db.selectFrom('messages').select('body').where('org_id', '=', org.orgId).where('direction', '=', 'in').execute(),
    );
    expect(inbound.find((m) => m.body.startsWith('xxxx'))?.body).toHaveLength(10_000);
    const empty = await api.post(`/v1/sandbox/${org.channelId}/inbound`, { from: '07911 123465', text: '' });
    expect(empty.status).toBe(202);
  });
});
