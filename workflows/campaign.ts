import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  type CampaignInput,
  type CampaignProgress,
  cancelSignal,
  closeSignal,
  conversationSearchAttributes,
  conversationWorkflowId,
  memberReadySignal,
  membersAddedSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from './contracts';
import { conversation } from './conversation';
import { throttle } from './throttle';

const options = { startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } } as const;
const acts = proxyActivities<ReturnType<typeof createActivities>>(options);
const local = proxyLocalActivities<ReturnType<typeof createActivities>>(options);
// Readiness is read from the rows in batches: often while members are getting ready, less often while none are.
const POLL_MIN_MS = 250;
const POLL_MAX_MS = 30_000;
// No more conversations wait for their first send than the channel sends in this long.
const PACE_SECONDS = 2;
// Closing running conversations on cancel: this many read at a time, and signalled at a time.
const CLOSE_PAGE = 500;
const CLOSE_BATCH = 100;

/**
 * Starts one conversation per campaign member in a sliding window: at most
 * `window` conversations that have not yet sent their first message. Pages
 * members by sequence number and continues-as-new every `runLimit` starts, so
 * no run holds more than `runLimit` pending children or an unbounded history.
 * The window is no wider than the channel's send rate allows for a short while, so a
 * slow channel paces the starts instead of gathering conversations that wait for send slots.
 */
export async function campaign(input: CampaignInput): Promise<CampaignProgress> {
  const { campaignId, orgId, runLimit } = input;
  let window = input.window;
  const carried = input.carried;
  let afterSeq = carried?.afterSeq ?? 0;
  const inFlight = new Set<string>(carried?.inFlightIds ?? []);
  let paused = carried?.paused ?? false;
  let cancelled = false;
  let endRunning = false;
  let recentStarts = carried?.recentStarts ?? [];
  let started = carried?.started ?? 0;
  let ready = carried?.ready ?? 0;
  const runs = (carried?.runs ?? 0) + 1;
  let startedThisRun = 0;
  let status: CampaignProgress['status'] = paused ? 'paused' : 'running';
  const progress = (): CampaignProgress => ({ status, started, ready, inFlight: inFlight.size, runs });

  // Conversations started before this run could poll (and those whose first turn sends nothing) still signal.
  setHandler(memberReadySignal, ({ conversationId }) => {
    if (inFlight.delete(conversationId)) ready++;
  });
  let added = false;
  setHandler(membersAddedSignal, () => void (added = true));
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(cancelSignal, (options) => {
    cancelled = true;
    if (options?.endRunning) endRunning = true;
  });
  setHandler(progressQuery, progress);

  // One signal per member cost the campaign a workflow task each; reading the rows in batches does not.
  const polls = patched('campaign-polls-readiness');
  let pollMs = POLL_MIN_MS;
  /** Waits for `done`; a polling run also wakes to read which members are ready. */
  const waitFor = async (done: () => boolean) => {
    if (!polls || inFlight.size === 0) return void (await condition(done));
    if (await condition(done, pollMs)) return;
    const readyIds = await local.readyMembers({ conversationIds: [...inFlight] });
    for (const id of readyIds) if (inFlight.delete(id)) ready++;
    pollMs = readyIds.length > 0 ? POLL_MIN_MS : Math.min(pollMs * 2, POLL_MAX_MS);
  };
  const carryOn = async (closeAfterSeq?: number) => {
    await condition(allHandlersFinished);
    return continueAsNew<typeof campaign>({
      ...input,
      carried: { ...progress(), afterSeq, inFlightIds: [...inFlight], paused, recentStarts, closeAfterSeq },
    });
  };

  /**
   * Closes the campaign's running conversations, once nothing new can start, a page
   * at a time; a long list goes on in a new run, as each signal adds to the history.
   */
  const endConversations = async (fromSeq = 0) => {
    if (!endRunning || !patched('campaign-cancel-ends-running')) return;
    let after = fromSeq;
    for (;;) {
      const page = await acts.liveCampaignMembers({ campaignId, afterSeq: after, limit: CLOSE_PAGE });
      if (page.length === 0) return;
      for (let i = 0; i < page.length; i += CLOSE_BATCH) {
        await Promise.all(
          page.slice(i, i + CLOSE_BATCH).map((m) =>
            getExternalWorkflowHandle(conversationWorkflowId(m.conversationId))
              .signal(closeSignal, { reason: 'cancelled' })
              // A conversation that ended meanwhile has nothing to close.
              .catch(() => undefined),
          ),
        );
      }
      after = page[page.length - 1].seq;
      if (workflowInfo().continueAsNewSuggested) await carryOn(after);
    }
  };

  if (carried?.closeAfterSeq !== undefined) {
    // A cancel with endRunning whose closing did not fit in one run.
    // Or one the API started for a campaign already over: it keeps its status.
    cancelled = endRunning = true;
    status = carried.status === 'completed' ? 'completed' : 'cancelled';
    await endConversations(carried.closeAfterSeq);
    await acts.setCampaignStatus({ campaignId, status });
    await condition(allHandlersFinished);
    return progress();
  }

  const info = await acts.loadCampaign({ campaignId });
  // A waiting send is a local activity retrying, which keeps its workflow task (and a worker's slot for one) open.
  if (patched('campaign-paced-by-rate') && info.ratePerSecond) {
    window = Math.min(window, Math.max(1, Math.ceil(info.ratePerSecond * PACE_SECONDS)));
  }
  const startAt = input.startAt ? Date.parse(input.startAt) : NaN;
  const scheduled = !carried && startAt > Date.now() && patched('campaign-scheduled-start');
  if (scheduled) {
    // A durable timer: the campaign sleeps until its start, but pause and cancel still reach it.
    const sleeping = () => (paused ? 'paused' : 'scheduled');
    // The API stored 'scheduled'; a pause that came first is written by the loop.
    status = 'scheduled';
    while (!cancelled && Date.now() < startAt) {
      if (!(await condition(() => cancelled || status !== sleeping(), startAt - Date.now()))) continue;
      if (cancelled) break;
      status = sleeping();
      await acts.setCampaignStatus({ campaignId, status });
    }
    status = paused ? 'paused' : 'running';
  }
  // Cancelled while it slept, it never ran.
  if (!carried && !(scheduled && cancelled)) {
    await acts.setCampaignStatus({ campaignId, status: status === 'paused' ? 'paused' : 'running' });
  }
  const throttled = !!input.ratePerMinute && input.ratePerMinute > 0 && patched('campaign-throttle');

  const statusStale = () => status !== (paused ? 'paused' : 'running');
  // Polling lengthens a waiting run's history; a new run takes over, with nothing left to act on.
  const historyFull = () => polls && !cancelled && !statusStale() && workflowInfo().continueAsNewSuggested;
  const mayGo = () => cancelled || statusStale() || (!paused && inFlight.size < window);
  // Members may be added while the campaign runs: its end is decided under the campaign's row lock.
  const growing = patched('campaign-members-added');
  members: for (;;) {
    for (;;) {
      while (!mayGo()) {
        await waitFor(mayGo);
        if (historyFull()) return carryOn();
      }
      if (cancelled) break;
      if (statusStale()) {
        status = paused ? 'paused' : 'running';
        await acts.setCampaignStatus({ campaignId, status });
        continue;
      }
      if (startedThisRun >= runLimit) return carryOn();
      let limit = Math.min(window - inFlight.size, runLimit - startedThisRun);
      if (throttled) {
        const t = throttle(recentStarts, Date.now(), input.ratePerMinute!);
        recentStarts = t.recent;
        if (t.allowance === 0) {
          await condition(() => cancelled || statusStale(), t.nextAt - Date.now());
          continue;
        }
        limit = Math.min(limit, t.allowance);
      }
      const page = await acts.listCampaignMembers({ campaignId, afterSeq, limit });
      if (page.length === 0) break;
      await Promise.all(
        page.map(async (member) => {
          inFlight.add(member.conversationId);
          try {
            await startChild(conversation, {
              workflowId: conversationWorkflowId(member.conversationId),
              args: [{ conversationId: member.conversationId, campaignId, ...(polls ? { campaignPolls: true } : {}) }],
              parentClosePolicy: ParentClosePolicy.ABANDON,
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
              typedSearchAttributes: conversationSearchAttributes({
                orgId,
                campaignId,
                journeyId: info.journeyId,
                channelKind: info.channelKind,
              }),
            });
          } catch {
            // Already started by an earlier run (the campaign was reset): it reported, or will.
            if (inFlight.delete(member.conversationId)) ready++;
          }
        }),
      );
      if (throttled) for (let i = 0; i < page.length; i++) recentStarts.push(Date.now());
      started += page.length;
      startedThisRun += page.length;
      afterSeq = page[page.length - 1].seq;
    }

    if (cancelled) {
      status = 'cancelled';
      await acts.cancelCampaignRemainder({ campaignId });
      await endConversations();
    } else {
      const drained = () => inFlight.size === 0 || cancelled || added;
      while (!drained()) {
        await waitFor(drained);
        if (historyFull()) return carryOn();
      }
      if (added && !cancelled) {
        added = false;
        continue members;
      }
      if (!cancelled && growing && !(await acts.completeCampaign({ campaignId, afterSeq }))) continue members;
      status = cancelled ? 'cancelled' : 'completed';
      if (cancelled) {
        await acts.cancelCampaignRemainder({ campaignId });
        await endConversations();
      }
    }
    break;
  }
  if (!(growing && status === 'completed')) {
    await acts.setCampaignStatus({ campaignId, status: status === 'cancelled' ? 'cancelled' : 'completed' });
  }
  await condition(allHandlersFinished);
  return progress();
}
