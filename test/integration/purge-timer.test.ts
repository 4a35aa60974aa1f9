import { WorkflowNotFoundError } from '@temporalio/client';
import { conversationPurgeWorkflowId } from '../../workflows/contracts';
import { sandboxPhone } from '../helpers/sandbox';
import { executionGone } from '../helpers/evidence';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

// A retention "day" of a few seconds: long enough to restart the worker inside it, however loaded the machine.
const DAY_SECONDS = 30;
const journey = {
  name: 'Short',
  start: 'hello',
  steps: [
    { id: 'hello', kind: 'message', text: 'Your parcel is on its way.', next: 'end' },
    { id: 'end', kind: 'end', outcome: 'Informed' },
  ],
};

describe('each ended conversation has its own purge timer, on the server', () => {
  let stack: TestStack;
  let second: TestStack | undefined;
  beforeAll(async () => {
    stack = await startTestStack({ RETENTION_DAY_SECONDS: DAY_SECONDS });
  });
  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
  });

  const endOne = async (org: Awaited<ReturnType<typeof seedOrg>>, address: string) => {
    const api = apiClient(stack.url, org.apiKey);
    expect((await api.raw('PATCH', '/v1/org', { retention: { conversationsDays: 1 } })).status).toBe(200);
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });
    expect(started.status).toBe(201);
    await sandboxPhone(api, org.channelId, address).receive(1);
    await eventually(async () => ((await api.get(`/v1/conversations/${started.body.id}`)).body.status === 'ended' ? true : undefined));
    return started.body.id as string;
  };
  const rows = (id: string) => stack.db.selectFrom('conversations').select('workflow_id').where('id', '=', id).execute();

  it('when the period passes, then the conversation, its messages and its execution are gone, though the worker restarted meanwhile', async () => {
    const org = await seedOrg(stack.db, journey);
    const id = await endOne(org, '07911 123641');
    const [{ workflow_id: workflowId }] = await rows(id);
    const purge = stack.client.workflow.getHandle(conversationPurgeWorkflowId(id));
    await eventually(() => purge.describe().then((d) => d.status.name));

    stack.worker!.shutdown();
    await stack.workerRun;
    // Still there while no worker runs: the timer has not fired, or has nobody to run it.
    expect(await rows(id)).toHaveLength(1);
    second = await startTestStack(
      { RETENTION_DAY_SECONDS: DAY_SECONDS, TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE },
      { api: false },
    );

    expect(await purge.result()).toBe('purged');
    expect(await rows(id)).toEqual([]);
    const messages = await stack.db.selectFrom('messages').select('id').where('conversation_id', '=', id).execute();
    expect(messages).toEqual([]);
    const deleted = await executionGone(stack.client, workflowId);
    expect(deleted).toBeInstanceOf(WorkflowNotFoundError);
  }, 240_000);

  it('when the contact is on legal hold, then its timer keeps the conversation', async () => {
    const org = await seedOrg(stack.db, journey);
    const id = await endOne(org, '07911 123642');
    await stack.db.updateTable('contacts').set({ legal_hold: true }).where('org_id', '=', org.orgId).execute();
    const purge = stack.client.workflow.getHandle(conversationPurgeWorkflowId(id));
    // The row ends a moment before the run starts its purge.
    await eventually(() => purge.describe().then((d) => d.status.name));
    const result = await purge.result();
    expect(result).toBe('held');
    expect(await rows(id)).toHaveLength(1);
  }, 240_000);
});
