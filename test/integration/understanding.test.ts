import { greetingJourney } from '../fixtures/journeys';
import replies from '../fixtures/nlu/replies.json';
import { recordHistory } from '../helpers/histories';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const journey = {
  name: 'Collect',
  start: 'q',
  language: 'en',
  intents: { promiseToPay: { en: replies.promiseToPay.en }, cantPay: { en: replies.cantPay.en } },
  steps: [
    {
      id: 'q',
      kind: 'ask',
      text: 'How can we help with your balance?',
      saveAs: 'answer',
      timeout: '1h',
      branches: [
        { match: { sentiment: { max: -0.5 } }, next: 'agent' },
        { match: { intent: 'promiseToPay', minScore: 0.6 }, next: 'promise' },
        { match: { intent: 'cantPay', minScore: 0.6 }, next: 'hardship' },
      ],
      fallback: 'other',
    },
    { id: 'promise', kind: 'message', text: 'Thanks, noted.', next: 'end' },
    { id: 'hardship', kind: 'message', text: 'We can help with a plan.', next: 'end' },
    { id: 'agent', kind: 'message', text: 'Sorry. An adviser will be in touch.', next: 'end' },
    { id: 'other', kind: 'message', text: 'An adviser will read this.', next: 'end' },
    { id: 'end', kind: 'end', outcome: 'Completed' },
  ],
};

describe('understanding inbound replies', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let journeyId: string;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
    const created = await api.post('/v1/journeys', { name: 'Collect', definition: journey });
    expect(created.status === 201 ? 201 : JSON.stringify(created.body)).toBe(201);
    journeyId = created.body.id;
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: journeyId })).status).toBe(200);
  });
  afterAll(() => stack?.stop());

  it('when a journey with intents is saved, then its version stores the trained model', async () => {
    const row = await stack.db.selectFrom('journey_versions').select('model').where('journey_id', '=', journeyId).executeTakeFirstOrThrow();
    expect(row.model?.intents).toEqual(['cantPay', 'promiseToPay']);
  });

  it('when a journey names an unknown intent, then the save is refused naming the path', async () => {
    const bad = {
      ...journey,
      steps: [{ ...journey.steps[0], branches: [{ match: { intent: 'dispute' }, next: 'end' }] }, journey.steps[5]],
    };
    const res = await api.post('/v1/journeys', { name: 'Bad', definition: bad });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('steps[0].branches[0].match.intent');
  });

  it('when the intents would train a model too large for a workflow payload, then the save is refused naming intents', async () => {
    let seed = 7;
    const word = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31).toString(36).slice(2, 8);
    const phrase = () => Array.from({ length: 8 }, word).join(' ');
    const intents = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`intent${i}`, { en: Array.from({ length: 30 }, phrase) }]));
    const big = { ...journey, intents: { ...intents, ...journey.intents } };
    const res = await api.post('/v1/journeys', { name: 'Big', definition: big });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'definition.intents', message: expect.stringMatching(/over the 512 KiB limit/) }]);
  });

  it('when a customer promises to pay, then the message keeps its sentiment and intent, the transcript and event show them', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123470');
    const { conversationId, messageId } = await phone.say('ok ill pay it on friday when i get paid');
    expect(await phone.receive(2)).toEqual(['How can we help with your balance?', 'Thanks, noted.']);
    const row = await eventually(async () => {
      const m = await stack.db
        .selectFrom('messages')
        .select(['sentiment', 'intent', 'intent_score'])
        .where('id', '=', messageId)
        .executeTakeFirstOrThrow();
      return m.intent ? m : undefined;
    });
    expect(row.intent).toBe('promiseToPay');
    expect(row.intent_score).toBeGreaterThanOrEqual(0.6);
    expect(row.sentiment).toBeGreaterThanOrEqual(-1);
    const transcript = await api.get(`/v1/conversations/${conversationId}/transcript`);
    const inbound = transcript.body.messages.find((m: { id: string }) => m.id === messageId);
    expect(inbound).toMatchObject({ sentiment: row.sentiment, intent: 'promiseToPay', intentScore: row.intent_score });
    const event = await stack.db
      .selectFrom('events')
      .select('data')
      .where('type', '=', 'inboundMessage')
      .where('conversation_id', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect((event.data as { sentiment?: number }).sentiment).toBe(row.sentiment);
    const done = await eventually(async () => {
      const c = await api.get(`/v1/conversations/${conversationId}`);
      return c.body.status === 'ended' ? c.body : undefined;
    });
    await recordHistory(done.workflowId, 'intent-promise');
  });

  it('when a reply is very negative, then the sentiment branch hands it to an adviser', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123471');
    const { messageId } = await phone.say('you are useless and I am furious, this is terrible');
    expect(await phone.receive(2)).toEqual(['How can we help with your balance?', 'Sorry. An adviser will be in touch.']);
    const m = await stack.db.selectFrom('messages').select('sentiment').where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(m.sentiment).toBeLessThanOrEqual(-0.5);
  });
});
