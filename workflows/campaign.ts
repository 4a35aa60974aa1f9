import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  type CampaignInput,
  type CampaignProgress,
  CampaignIdKey,
  ChannelKey,
  ConversationStatusKey,
  JourneyIdKey,
  OrgIdKey,
  cancelSignal,
  conversationWorkflowId,
  memberReadySignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from './contracts';
import { conversation } from './conversation';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});

/**
 * Starts one conversation per campaign member in a sliding window: at most
 * `window` conversations that have not yet sent their first message. Pages
 * members by sequence number and continues-as-new every `runLimit` starts, so
 * no run holds more than `runLimit` pending children or an unbounded history.
 */
export async function campaign(input: CampaignInput): Promise<CampaignProgress> {
  const { campaignId, orgId, window, runLimit } = input;
  const carried = input.carried;
  let afterSeq = carried?.afterSeq ?? 0;
  const inFlight = new Set<string>(carried?.inFlightIds ?? []);
  let paused = carried?.paused ?? false;
  let cancelled = false;
  let started = carried?.started ?? 0;
  let ready = carried?.ready ?? 0;
  const runs = (carried?.runs ?? 0) + 1;
  let startedThisRun = 0;
  let status: CampaignProgress['status'] = paused ? 'paused' : 'running';
  const progress = (): CampaignProgress => ({ status, started, ready, inFlight: inFlight.size, runs });

  setHandler(memberReadySignal, ({ conversationId }) => {
    if (inFlight.delete(conversationId)) ready++;
  });
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(cancelSignal, () => void (cancelled = true));
  setHandler(progressQuery, progress);

  const info = await acts.loadCampaign({ campaignId });
  if (!carried) await acts.setCampaignStatus({ campaignId, status: 'running' });

  const statusStale = () => status !== (paused ? 'paused' : 'running');
  for (;;) {
    await condition(() => cancelled || statusStale() || (!paused && inFlight.size < window));
    if (cancelled) break;
    if (statusStale()) {
      status = paused ? 'paused' : 'running';
      await acts.setCampaignStatus({ campaignId, status });
      continue;
    }
    if (startedThisRun >= runLimit) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof campaign>({
        ...input,
        carried: { ...progress(), afterSeq, inFlightIds: [...inFlight], paused },
      });
    }
    const limit = Math.min(window - inFlight.size, runLimit - startedThisRun);
    const page = await acts.listCampaignMembers({ campaignId, afterSeq, limit });
    if (page.length === 0) break;
    await Promise.all(
      page.map(async (member) => {
        inFlight.add(member.conversationId);
        try {
          await startChild(conversation, {
            workflowId: conversationWorkflowId(member.conversationId),
            args: [{ conversationId: member.conversationId, campaignId }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            typedSearchAttributes: [
              { key: OrgIdKey, value: orgId },
              { key: CampaignIdKey, value: campaignId },
              { key: JourneyIdKey, value: info.journeyId },
              { key: ChannelKey, value: info.channelKind },
              { key: ConversationStatusKey, value: 'starting' },
            ],
          });
        } catch {
          // Already started by an earlier run (the campaign was reset): it reported, or will.
          if (inFlight.delete(member.conversationId)) ready++;
        }
      }),
    );
    started += page.length;
    startedThisRun += page.length;
    afterSeq = page[page.length - 1].seq;
  }

  if (cancelled) {
    status = 'cancelled';
    await acts.cancelCampaignRemainder({ campaignId });
  } else {
    await condition(() => inFlight.size === 0 || cancelled);
    status = cancelled ? 'cancelled' : 'completed';
    if (cancelled) await acts.cancelCampaignRemainder({ campaignId });
  }
  await acts.setCampaignStatus({ campaignId, status: status === 'cancelled' ? 'cancelled' : 'completed' });
  await condition(allHandlersFinished);
  return progress();
}
