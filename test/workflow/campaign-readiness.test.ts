// How a campaign learns that a member's first turn is done, and what that first turn costs in Temporal.
import type { ConversationContext } from '../../activities/conversation';
import { roundTripsToFirstWait } from '../../scripts/bench/history';
import { type CampaignProgress, campaignWorkflowId, conversationWorkflowId } from '../../workflows/contracts';
import { validateJourney } from '../../workflows/journey';
import { type Activities, startFakeWorker, uid } from '../helpers/worker';
import { DEFAULT_SETTINGS, journey } from './journey-script';

const ask = {
  id: 'ask',
  kind: 'ask',
  text: 'Reply YES or NO.',
  timeout: '1h',
  branches: [{ match: { yesno: 'yes' }, next: 'end' }],
  fallback: 'end',
  onTimeout: 'end',
};
const end = { id: 'end', kind: 'end', outcome: 'Completed' };
const greeting = journey([{ id: 'hello', kind: 'message', text: 'Hi.', next: 'ask' }, ask, end]);
const silentStart = journey([{ id: 'pause', kind: 'wait', duration: '1h', next: 'end' }, end]);

/** A one-member campaign whose readiness comes from the "rows": the members that have sent a message. */
function oneMemberCampaign(definition: object) {
  const checked = validateJourney(definition);
  if (!checked.ok) throw new Error(`invalid test journey: ${JSON.stringify(checked.errors)}`);
  const conversationId = uid();
  const sentBy = new Set<string>();
  const context: ConversationContext = {
    orgId: 'org-1',
    journeyId: 'journey-1',
    journeyVersion: 1,
    journey: checked.journey,
    contact: {},
    channelKind: 'sandbox',
    settings: DEFAULT_SETTINGS,
  };
  const activities: Partial<Activities> = {
    loadCampaign: async () => ({ journeyId: 'journey-1', channelKind: 'sandbox' }),
    listCampaignMembers: async ({ afterSeq }) => (afterSeq === 0 ? [{ seq: 1, conversationId }] : []),
    setCampaignStatus: async () => undefined,
    completeCampaign: async ({ afterSeq }) => afterSeq >= 1,
    cancelCampaignRemainder: async () => 0,
    readyMembers: async ({ conversationIds }) => conversationIds.filter((id) => sentBy.has(id)),
    loadConversation: async () => context,
    sendMessage: async (input) => {
      sentBy.add(input.conversationId);
      return { messageId: uid(), providerMessageId: uid() };
    },
    updateConversation: async () => undefined,
    schedulePurge: async () => false,
    finishConversation: async () => undefined,
  };
  return { conversationId, activities, campaignId: uid() };
}

const runCampaign = (w: Awaited<ReturnType<typeof startFakeWorker>>, campaignId: string): Promise<CampaignProgress> =>
  w.client.workflow.execute('campaign', {
    taskQueue: w.taskQueue,
    workflowId: campaignWorkflowId(campaignId),
    args: [{ campaignId, orgId: 'org-1', window: 5, runLimit: 10 }],
  });

describe('campaign readiness', () => {
  it('when a member sends its first message, then the campaign reads it from the row, and the conversation reached its first wait in at most 2 workflow tasks and 14 events', async () => {
    const c = oneMemberCampaign(greeting);
    const w = await startFakeWorker(c.activities);
    try {
      const result = await runCampaign(w, c.campaignId);
      expect(result).toMatchObject({ status: 'completed', started: 1, ready: 1, inFlight: 0 });
      const history = await w.client.workflow.getHandle(conversationWorkflowId(c.conversationId)).fetchHistory();
      const cost = roundTripsToFirstWait(history);
      expect(cost.workflowTasks).toBeLessThanOrEqual(2);
      expect(cost.events).toBeLessThanOrEqual(14);
      expect(history.events!.some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)).toBe(false);
    } finally {
      await w.stop();
    }
  });

  it("when a member's first turn sends nothing, then it signals the campaign, which completes without a row to read", async () => {
    const c = oneMemberCampaign(silentStart);
    const w = await startFakeWorker(c.activities);
    try {
      const result = await runCampaign(w, c.campaignId);
      expect(result).toMatchObject({ status: 'completed', started: 1, ready: 1, inFlight: 0 });
      await w.client.workflow.getHandle(conversationWorkflowId(c.conversationId)).terminate('test over');
    } finally {
      await w.stop();
    }
  });
});
