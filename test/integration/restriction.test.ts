import { conversationStateQuery, conversationWorkflowId } from '../../workflows/contracts';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

// The reply timeout leaves ample time to restrict the person before it fires, however loaded the machine.
const journey = {
  name: 'Restriction',
  start: 'hello',
  steps: [
    { id: 'hello', kind: 'message', text: 'Hello from Parley.', next: 'question' },
    {
      id: 'question',
      kind: 'ask',
      text: 'Can we call you? Reply YES or NO.',
      timeout: '20s',
      branches: [{ match: { yesno: 'yes' }, next: 'bye' }],
      onTimeout: 'bye',
    },
    { id: 'bye', kind: 'message', text: 'We will try again later.', next: 'end' },
    { id: 'end', kind: 'end', outcome: 'Completed' },
  ],
};

describe('restriction of processing freezes a journey, and lifting it resumes the same step', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  it('when a contact is restricted mid-journey, then nothing is sent across the reply timeout, and after the lift the held message goes', async () => {
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    const address = '07911 123481';
    const phone = sandboxPhone(api, org.channelId, address);
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });
    expect(started.status).toBe(201);
    expect(await phone.receive(2)).toEqual(['Hello from Parley.', 'Can we call you? Reply YES or NO.']);

    const request = async (type: string) => {
      const res = await api.post('/v1/data-subject-requests', { type, identity: { phone: address } });
      expect(res.status).toBe(201);
      return eventually(async () => {
        const r = await api.get(`/v1/data-subject-requests/${res.body.id}`);
        return r.body.status === 'completed' ? r.body : undefined;
      });
    };
    await request('restriction');

    // The timeout fires and the journey reaches its next message, which is held: the conversation is frozen there.
    const handle = stack.client.workflow.getHandle(conversationWorkflowId(started.body.id));
    await eventually(
      async () => {
        const state = await handle.query(conversationStateQuery);
        return state.phase === 'restricted' ? true : undefined;
      },
      60_000,
      'the conversation frozen by the restriction',
    );
    expect(await phone.pending()).toEqual([]);
    expect((await api.get(`/v1/conversations/${started.body.id}`)).body.status).toBe('active');

    await request('liftRestriction');
    expect(await phone.receive(1)).toEqual(['We will try again later.']);
    await eventually(async () => ((await api.get(`/v1/conversations/${started.body.id}`)).body.status === 'ended' ? true : undefined));
  });
});
