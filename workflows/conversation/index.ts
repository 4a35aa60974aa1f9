import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  makeContinueAsNewFunc,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type ConversationInput,
  type InboundMessage,
  campaignWorkflowId,
  ConversationStatusKey,
  memberReadySignal,
  OutcomeKey,
} from '../contracts';
import { advance } from '../journey/interpreter';
import type { StepResult } from '../journey/types';
import { FINAL_ERROR_TYPES, acts, local } from './proxies';
import { perform } from './actions';
import { setHandlers } from './handlers';
import { type Conversation, newConversation, runContext } from './state';
import { awaitInput } from './waits';

const HISTORY_LIMIT = 8_000;

/** One journey run with one contact on one channel. */
export async function conversation(input: ConversationInput): Promise<{ outcome?: string; status: string }> {
  const { conversationId } = input;
  // Loaded in the first workflow task, without a round trip to the server.
  const ctx = patched('load-conversation-locally')
    ? await local.loadConversation({ conversationId })
    : await acts.loadConversation({ conversationId });
  if (ctx.skip) {
    await notifyCampaign(input, true);
    return { status: 'skipped', outcome: ctx.skip };
  }
  const c = newConversation(input, ctx);
  setHandlers(c);

  let step: StepResult = input.carried
    ? { state: c.run, actions: [], wait: input.carried.wait }
    : advance(ctx.journey, c.run, { kind: 'start' }, runContext(c));
  try {
    // On the first turn, what is queued may be the awaited answer: the message that
    // started an inbound conversation, or, after continue-as-new, replies to the
    // prompt the previous run sent.
    let firstTurn = true;
    for (;;) {
      const since = firstTurn && (input.inbound || input.carried) ? 0 : c.inbox.length;
      firstTurn = false;
      const endsNow = step.wait.kind === 'end';
      for (const action of step.actions) {
        // On the last turn the outcome is written once, with the end of the row.
        if (action.kind === 'outcome' && endsNow && patched('outcome-with-finish')) continue;
        await perform(c, action);
      }
      c.run = step.state;
      if (!c.campaignNotified) c.campaignNotified = await notifyCampaign(input, Object.keys(c.sends).length > 0);
      if (step.wait.kind === 'end' || c.closed) {
        // What the journey had not read when it reached its end came too late for it;
        // a close keeps them, as the agent or the opt-out had the last word.
        if (!c.closed) c.late.unshift(...c.inbox.filter((m) => !c.given.has(m.messageId)));
        break;
      }
      if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        return await continueAsNew<typeof conversation>({
          conversationId,
          campaignId: input.campaignId,
          campaignPolls: input.campaignPolls,
          inbound: input.inbound,
          carried: {
            state: c.run,
            sends: c.sends,
            started: true,
            inbox: c.inbox,
            seen: c.seen,
            agentOutcome: c.agentOutcome,
            wait: step.wait,
          },
        });
      }
      const next = await awaitInput(c, step.wait, since);
      if (!next) break;
      step = advance(ctx.journey, c.run, next, runContext(c));
    }
  } catch (err) {
    // A local activity's failure arrives unwrapped, without the ActivityFailure.
    const cause = err instanceof ActivityFailure ? err.cause : err;
    // An activity's typed error (PermanentSendError...) arrives as a retryable failure of that type: its type makes it final.
    const final = cause instanceof ApplicationFailure && (cause.nonRetryable || FINAL_ERROR_TYPES.includes(cause.type ?? ''));
    if (!final) throw err;
    c.run = { ...c.run, outcome: cause.type === 'ContactStoppedError' ? 'Opted out' : 'Undeliverable' };
    await local.updateConversation({ conversationId, note: `stopped: ${cause.type ?? 'send failed'}: ${cause.message}` });
  }
  return finish(c);
}

/** Ends the run: the outcome in the row and the search attributes, then any late replies handed on. */
async function finish(c: Conversation): Promise<{ outcome?: string; status: string }> {
  c.phase = 'ended';
  const outcome = c.closed?.outcome ?? c.agentOutcome ?? c.run.outcome;
  if (outcome) upsertSearchAttributes([{ key: OutcomeKey, value: outcome }]);
  upsertSearchAttributes([{ key: ConversationStatusKey, value: 'ended' }]);
  await condition(allHandlersFinished);
  await local.finishConversation({ conversationId: c.id, outcome, reason: c.closed?.reason ?? 'journey' });
  // Its own purge timer, on the server: the daily sweep is the backstop, not the schedule.
  if (patched('purge-timer')) await local.schedulePurge({ conversationId: c.id, orgId: c.ctx.orgId });
  if (!c.campaignNotified) await notifyCampaign(c.input, true);
  // The run must not close on a message it took: Temporal holds the completion
  // back while a signal is unseen, so this check runs after the last one arrived.
  if (c.late.length > 0 && patched('late-replies')) {
    const { successorId } = await local.routeLateReplies({
      conversationId: c.id,
      workflowId: workflowInfo().workflowId,
      messageIds: c.late.map((m) => m.messageId),
    });
    if (successorId) return continueAsSuccessor(successorId, c.late);
  }
  return { status: 'ended', outcome };
}

/** The same sender's next inbound conversation, in this workflow id so the order of messages holds. */
function continueAsSuccessor(conversationId: string, late: InboundMessage[]): Promise<never> {
  const typedSearchAttributes = workflowInfo()
    .typedSearchAttributes.getAll()
    .filter((pair) => pair.key.name !== OutcomeKey.name && pair.key.name !== ConversationStatusKey.name);
  const next = makeContinueAsNewFunc<typeof conversation>({
    typedSearchAttributes: [...typedSearchAttributes, { key: ConversationStatusKey, value: 'starting' }],
  });
  return next({ conversationId, inbound: true, inbox: late.map(({ messageId, text }) => ({ messageId, text })) });
}

/**
 * Tells the campaign that the first turn is done. A campaign that polls reads that from the row
 * (a sent message, or a row that has ended), so only a first turn that sent nothing signals it.
 */
async function notifyCampaign(input: ConversationInput, rowShowsIt: boolean): Promise<boolean> {
  if (!input.campaignId || (input.campaignPolls && rowShowsIt)) return true;
  try {
    await getExternalWorkflowHandle(campaignWorkflowId(input.campaignId)).signal(memberReadySignal, {
      conversationId: input.conversationId,
    });
  } catch {
    // The campaign may already be closed (cancelled); nothing waits for us then.
  }
  return true;
}
