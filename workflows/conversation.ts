import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import type { createActivities } from '../activities';
import type { EnrichResult } from '../activities/enrichment';
import {
  type AgentMessage,
  type ConversationInput,
  type ConversationPhase,
  type InboundMessage,
  agentMessageUpdate,
  campaignWorkflowId,
  closeSignal,
  conversationStateQuery,
  ConversationStatusKey,
  handbackSignal,
  handoffSignal,
  inboundSignal,
  memberReadySignal,
  OutcomeKey,
  outcomeSignal,
} from './contracts';
import type { Action, Input, StepResult, Wait } from './journey/contract';
import { advance, initialState } from './journey/interpreter';
import { nextSendTime } from './journey/window';

const SEND_TIMEOUT = '30 seconds';
const HISTORY_LIMIT = 8_000;
const SEEN_LIMIT = 100;
const ENRICH_RETRY_MS = 60_000;
const ENRICH_RETRY_MAX_MS = 3_600_000;
// The enrich activity gives up after the worker's ENRICH_MAX_ATTEMPTS (at most 10); this cap backs it up.
const ENRICH_ATTEMPTS_CAP = 10;

const RETRY: RetryPolicy = {
  initialInterval: '1 second',
  maximumInterval: '5 minutes',
  nonRetryableErrorTypes: ['PermanentSendError', 'ContactStoppedError', 'ConfigurationError', 'NotFoundError'],
};
const acts = proxyActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: SEND_TIMEOUT, retry: RETRY });
const enrichActs = proxyActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: SEND_TIMEOUT, retry: { ...RETRY, maximumAttempts: ENRICH_ATTEMPTS_CAP } });
// Sends and row updates run as local activities: a reply is answered within the
// workflow task that received it, without two more round trips to the server.
const local = proxyLocalActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: SEND_TIMEOUT, retry: RETRY });

/** One journey run with one contact on one channel. */
export async function conversation(input: ConversationInput): Promise<{ outcome?: string; status: string }> {
  const { conversationId } = input;
  const ctx = await acts.loadConversation({ conversationId });
  if (ctx.skip) {
    await notifyCampaign(input);
    return { status: 'skipped', outcome: ctx.skip };
  }
  const journey = ctx.journey;
  let phase: ConversationPhase = 'active';
  let state = input.carried?.state ?? initialState(journey);
  const sends: Record<string, number> = input.carried?.sends ?? {};
  const inbox: InboundMessage[] = [...(input.carried?.inbox ?? input.inbox ?? [])];
  /** Messages the journey did not read before it ended, or that reached this run after. */
  const late: InboundMessage[] = [];
  let campaignNotified = input.carried?.started ?? false;
  let closed = undefined as { outcome?: string; reason: string } | undefined;
  let handoff = false;
  let agentOutcome = input.carried?.agentOutcome;
  let lastReplyId: string | undefined;
  let handback = undefined as { stepId?: string } | undefined;
  /** Failed enrichments in a row at one step, for the retry back-off. */
  let enrichFailed = { stepId: '', count: 0 };

  setHandler(conversationStateQuery, () => ({
    conversationId,
    phase,
    stepId: state.stepId,
    outcome: agentOutcome ?? state.outcome,
    journeyVersion: ctx.journeyVersion,
  }));
  // Providers and our own API may deliver a message twice; keep the recent ids.
  const seen: string[] = [...(input.carried?.seen ?? input.inbox?.map((m) => m.messageId) ?? [])];
  setHandler(inboundSignal, (msg) => {
    if (seen.includes(msg.messageId)) return;
    seen.push(msg.messageId);
    if (seen.length > SEEN_LIMIT) seen.shift();
    // After the end nothing reads the inbox; a message routed to a successor is never this journey's.
    if (phase === 'ended' || (msg.conversationId && msg.conversationId !== conversationId)) late.push(msg);
    else inbox.push(msg);
  });
  // What the run was started with is never handed on, or a journey that reads nothing would start itself again and again.
  const given = new Set(inbox.map((m) => m.messageId));
  // An agent's outcome (already stored by the API) outranks the journey's.
  setHandler(outcomeSignal, ({ outcome }) => {
    agentOutcome = outcome;
    upsertSearchAttributes([{ key: OutcomeKey, value: outcome }]);
  });
  setHandler(handoffSignal, () => void (handoff = true));
  setHandler(handbackSignal, (h) => {
    handoff = false;
    handback = h;
  });
  setHandler(closeSignal, (c) => void (closed = c));
  setHandler(
    agentMessageUpdate,
    async (msg: AgentMessage) => {
      const sent = await local.sendMessage({ conversationId, stepId: `agent:${msg.requestId}`, attempt: 1, text: msg.text, author: msg.author });
      return { messageId: sent.messageId };
    },
    {
      validator: (_msg: AgentMessage) => {
        if (phase === 'ended') throw new Error('conversation has ended');
      },
    },
  );

  let stored: 'active' | 'handoff' = 'active';
  const setPhase = async (next: ConversationPhase) => {
    if (next === phase) return;
    phase = next;
    upsertSearchAttributes([{ key: ConversationStatusKey, value: next }]);
    // The row keeps only what changes rarely; the live step is in the query.
    const status = next === 'handoff' ? 'handoff' : 'active';
    if (status !== stored) await local.updateConversation({ conversationId, status, step: state.stepId });
    stored = status;
  };
  const runContext = () => ({ now: Date.now(), timeZone: ctx.settings.timeZone, locale: ctx.settings.locale, currency: ctx.settings.currency, contact: ctx.contact });

  const perform = async (action: Action) => {
    if (action.kind === 'send') {
      // Held for the send window, a message must not go out once the
      // conversation is closed (an opt-out above all), nor after a close mid-batch.
      const at = nextSendTime(Date.now(), ctx.settings.sendWindow, ctx.settings.timeZone);
      if (at > Date.now() && !closed) await condition(() => !!closed, at - Date.now());
      if (closed) return;
      const attempt = (sends[action.stepId] ?? 0) + 1;
      sends[action.stepId] = attempt;
      await local.sendMessage({ conversationId, stepId: action.stepId, attempt, text: action.text, author: 'bot' });
    } else if (action.kind === 'outcome') {
      if (agentOutcome) return;
      upsertSearchAttributes([{ key: OutcomeKey, value: action.outcome }]);
      await local.updateConversation({ conversationId, outcome: action.outcome });
    } else if (action.kind === 'note') {
      await local.updateConversation({ conversationId, note: action.text });
    } else {
      // The answer to an ID&V question is withheld from the transcript; only the result is kept.
      const result = action.ok ? 'passed' : action.lockedOut ? 'failed, locked out' : 'failed';
      await local.updateConversation({ conversationId, note: `ID&V ${result} at ${action.stepId}`, withholdMessageId: lastReplyId });
    }
  };

  /** Waits as the interpreter asked; returns the input that ended the wait, or undefined when closed. */
  const await_ = async (wait: Wait, since: number): Promise<Input | undefined> => {
    if (wait.kind !== 'enrich') enrichFailed = { stepId: '', count: 0 };
    if (wait.kind === 'reply') {
      inbox.splice(0, since); // what came before the prompt is no answer to it
      await setPhase('waiting_reply');
      const got = await condition(() => inbox.length > 0 || !!closed || handoff, wait.timeoutMs);
      if (closed) return undefined;
      if (handoff) return waitHandoff();
      if (!got) return { kind: 'timeout' };
      const reply = inbox.shift()!;
      lastReplyId = reply.messageId;
      return { kind: 'reply', text: reply.text };
    }
    if (wait.kind === 'until') {
      await setPhase('waiting_time');
      await condition(() => !!closed, Math.max(0, wait.at - Date.now()));
      return closed ? undefined : { kind: 'timer' };
    }
    if (wait.kind === 'enrich') {
      await setPhase('enriching');
      // A step without onError retries a failed enrichment: back off rather than spin.
      const failures = enrichFailed.stepId === wait.stepId ? enrichFailed.count : 0;
      if (failures > 0) {
        await condition(() => !!closed, Math.min(ENRICH_RETRY_MS * 2 ** (failures - 1), ENRICH_RETRY_MAX_MS));
        if (closed) return undefined;
      }
      const result = await enrich(wait.fields);
      enrichFailed = { stepId: wait.stepId, count: result.ok ? 0 : failures + 1 };
      // Without onError the step waits to retry: say why, once per run of failures.
      const onError = journey.steps.some((s) => s.id === wait.stepId && s.kind === 'enrich' && s.onError);
      if (!result.ok && failures === 0 && !onError && patched('enrich-failure-note')) {
        await local.updateConversation({ conversationId, note: `Enrichment failed at "${wait.stepId}": ${result.reason}; will retry` });
      }
      return result.ok ? { kind: 'enriched', values: result.values } : { kind: 'enrichFailed', reason: result.reason };
    }
    if (wait.kind === 'handoff') return waitHandoff();
    return undefined;
  };
  /** One enrichment; a failure the activity gives up on becomes a failed step, not a failed conversation. */
  const enrich = async (fields: string[]): Promise<EnrichResult> => {
    try {
      return await enrichActs.enrich({ conversationId, fields });
    } catch (err) {
      if (!(err instanceof ActivityFailure) || !err.cause || isCancellation(err)) throw err;
      const given = err.cause instanceof ApplicationFailure && err.cause.type === 'EnrichmentFailed';
      return { ok: false, reason: given ? err.cause.message : `${err.cause.message} after ${ENRICH_ATTEMPTS_CAP} attempts` };
    }
  };
  const waitHandoff = async (): Promise<Input | undefined> => {
    handoff = true;
    handback = undefined;
    await setPhase('handoff');
    await condition(() => !!closed || !!handback);
    const back = handback as { stepId?: string } | undefined;
    handoff = false;
    inbox.length = 0;
    return closed ? undefined : { kind: 'handback', stepId: back?.stepId };
  };

  let step: StepResult = input.carried
    ? { state, actions: [], wait: input.carried.wait }
    : advance(journey, state, { kind: 'start' }, runContext());
  try {
    // On the first turn, what is queued may be the awaited answer: the message that
    // started an inbound conversation, or, after continue-as-new, replies to the
    // prompt the previous run sent.
    let firstTurn = true;
    for (;;) {
      const since = firstTurn && (input.inbound || input.carried) ? 0 : inbox.length;
      firstTurn = false;
      for (const action of step.actions) await perform(action);
      state = step.state;
      if (!campaignNotified) campaignNotified = await notifyCampaign(input);
      if (step.wait.kind === 'end' || closed) {
        // What the journey had not read when it reached its end came too late for it;
        // a close keeps them, as the agent or the opt-out had the last word.
        if (!closed) late.unshift(...inbox.filter((m) => !given.has(m.messageId)));
        break;
      }
      if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        return await continueAsNew<typeof conversation>({
          conversationId,
          campaignId: input.campaignId,
          inbound: input.inbound,
          carried: { state, sends, started: true, inbox, seen, agentOutcome, wait: step.wait },
        });
      }
      const next = await await_(step.wait, since);
      if (!next) break;
      step = advance(journey, state, next, runContext());
    }
  } catch (err) {
    // A local activity's failure arrives unwrapped, without the ActivityFailure.
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable) throw err;
    state = { ...state, outcome: cause.type === 'ContactStoppedError' ? 'Opted out' : 'Undeliverable' };
    await local.updateConversation({ conversationId, note: `stopped: ${cause.type ?? 'send failed'}` });
  }
  phase = 'ended';
  const outcome = closed?.outcome ?? agentOutcome ?? state.outcome;
  if (outcome) upsertSearchAttributes([{ key: OutcomeKey, value: outcome }]);
  upsertSearchAttributes([{ key: ConversationStatusKey, value: 'ended' }]);
  await condition(allHandlersFinished);
  await local.finishConversation({ conversationId, outcome, reason: closed?.reason ?? 'journey' });
  if (!campaignNotified) await notifyCampaign(input);
  // The run must not close on a message it took: Temporal holds the completion
  // back while a signal is unseen, so this check runs after the last one arrived.
  if (late.length > 0 && patched('late-replies')) {
    const { successorId } = await local.routeLateReplies({ conversationId, workflowId: workflowInfo().workflowId, messageIds: late.map((m) => m.messageId) });
    if (successorId) return continueAsSuccessor(input, successorId, late);
  }
  return { status: 'ended', outcome };
}

/** The same sender's next inbound conversation, in this workflow id so the order of messages holds. */
function continueAsSuccessor(input: ConversationInput, conversationId: string, late: InboundMessage[]): Promise<never> {
  const typedSearchAttributes = workflowInfo()
    .typedSearchAttributes.getAll()
    .filter((pair) => pair.key.name !== OutcomeKey.name && pair.key.name !== ConversationStatusKey.name);
  const next = makeContinueAsNewFunc<typeof conversation>({ typedSearchAttributes: [...typedSearchAttributes, { key: ConversationStatusKey, value: 'starting' }] });
  return next({ conversationId, inbound: true, inbox: late.map(({ messageId, text }) => ({ messageId, text })) });
}

async function notifyCampaign(input: ConversationInput): Promise<boolean> {
  if (!input.campaignId) return true;
  try {
    await getExternalWorkflowHandle(campaignWorkflowId(input.campaignId)).signal(memberReadySignal, { conversationId: input.conversationId });
  } catch {
    // The campaign may already be closed (cancelled); nothing waits for us then.
  }
  return true;
}
