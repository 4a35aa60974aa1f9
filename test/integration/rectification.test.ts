import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const journey = {
  name: 'Rectification',
  start: 'hello',
  columns: ['firstName', 'town'],
  steps: [
    { id: 'hello', kind: 'message', text: 'Hello <<firstName>> in <<town>>.', next: 'question' },
    { id: 'question', kind: 'ask', text: 'Shall we go on? Reply YES.', timeout: '1h', fallback: 'bye' },
    { id: 'bye', kind: 'message', text: 'Thank you, <<firstName>> in <<town>>.', next: 'end' },
    { id: 'end', kind: 'end', outcome: 'Completed' },
  ],
};

describe('rectification reaches running conversations', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  it('when a contact’s fields are corrected mid-journey, then the next step uses the new values', async () => {
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    const address = '07911 123631';
    const phone = sandboxPhone(api, org.channelId, address);
    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address, fields: { firstName: 'Jon', town: 'Crok' } },
    });
    expect(started.status).toBe(201);
    expect(await phone.receive(2)).toEqual(['Hello Jon in Crok.', 'Shall we go on? Reply YES.']);

    const res = await api.post('/v1/data-subject-requests', {
      type: 'rectification',
      identity: { phone: address },
      fields: { firstName: 'John', town: 'Cork' },
    });
    expect(res.status).toBe(201);
    await eventually(async () => {
      const r = await api.get(`/v1/data-subject-requests/${res.body.id}`);
      return r.body.status === 'completed' ? true : undefined;
    });
    await phone.say('yes');
    expect(await phone.receive(1)).toEqual(['Thank you, John in Cork.']);
    const stored = await stack.db.selectFrom('contacts').select('fields').where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(stored.fields).toMatchObject({ firstName: 'John', town: 'Cork' });

    // Reading the conversation and its transcript through the API is audited, with the conversation's id only.
    expect((await api.get(`/v1/conversations/${started.body.id}/transcript`)).status).toBe(200);
    expect((await api.get(`/v1/conversations/${started.body.id}`)).status).toBe(200);
    const reads = await stack.db
      .selectFrom('audit_log')
      .select(['action', 'target', 'actor'])
      .where('org_id', '=', org.orgId)
      .where('action', 'in', ['transcript.read', 'conversation.read'])
      .orderBy('id')
      .execute();
    expect(reads.map((r) => [r.action, r.target])).toEqual([
      ['transcript.read', started.body.id],
      ['conversation.read', started.body.id],
    ]);
    expect(JSON.stringify(reads)).not.toMatch(/John|Cork|7911/);
  });
});
