import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
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

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: SEND_TIMEOUT,
  retry: {
    initialInterval: '1 second',
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['PermanentSendError', 'ContactStoppedError', 'ConfigurationError', 'NotFoundError'],
  },
});

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
  const inbox: InboundMessage[] = [...(input.carried?.inbox ?? [])];
  let campaignNotified = input.carried?.started ?? false;
  let closed = undefined as { outcome?: string; reason: string } | undefined;
  let handoff = false;
  let agentOutcome = input.carried?.agentOutcome;
  let handback = undefined as { stepId?: string } | undefined;

  setHandler(conversationStateQuery, () => ({
    conversationId,
    phase,
    stepId: state.stepId,
    outcome: agentOutcome ?? state.outcome,
    journeyVersion: ctx.journeyVersion,
  }));
  // Providers and our own API may deliver a message twice; keep the recent ids.
  const seen: string[] = [...(input.carried?.seen ?? [])];
  setHandler(inboundSignal, (msg) => {
    if (seen.includes(msg.messageId)) return;
    seen.push(msg.messageId);
    if (seen.length > SEEN_LIMIT) seen.shift();
    inbox.push(msg);
  });
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
      const sent = await acts.sendMessage({ conversationId, stepId: `agent:${msg.requestId}`, attempt: 1, text: msg.text, author: msg.author });
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
    if (status !== stored) await acts.updateConversation({ conversationId, status, step: state.stepId });
    stored = status;
  };
  const runContext = () => ({ now: Date.now(), timeZone: ctx.settings.timeZone, locale: ctx.settings.locale, currency: ctx.settings.currency, contact: ctx.contact });

  const perform = async (action: Action) => {
    if (action.kind === 'send') {
      const at = nextSendTime(Date.now(), ctx.settings.sendWindow, ctx.settings.timeZone);
      if (at > Date.now()) await sleep(at - Date.now());
      const attempt = (sends[action.stepId] ?? 0) + 1;
      sends[action.stepId] = attempt;
      await acts.sendMessage({ conversationId, stepId: action.stepId, attempt, text: action.text, author: 'bot' });
    } else if (action.kind === 'outcome') {
      if (agentOutcome) return;
      upsertSearchAttributes([{ key: OutcomeKey, value: action.outcome }]);
      await acts.updateConversation({ conversationId, outcome: action.outcome });
    } else if (action.kind === 'note') {
      await acts.updateConversation({ conversationId, note: action.text });
    } else {
      await acts.updateConversation({ conversationId, note: `ID&V ${action.ok ? 'passed' : action.lockedOut ? 'failed, locked out' : 'failed'} at ${action.stepId}` });
    }
  };

  /** Waits as the interpreter asked; returns the input that ended the wait, or undefined when closed. */
  const await_ = async (wait: Wait, since: number): Promise<Input | undefined> => {
    if (wait.kind === 'reply') {
      inbox.splice(0, since); // what came before the prompt is no answer to it
      await setPhase('waiting_reply');
      const got = await condition(() => inbox.length > 0 || !!closed || handoff, wait.timeoutMs);
      if (closed) return undefined;
      if (handoff) return waitHandoff();
      return got ? { kind: 'reply', text: inbox.shift()!.text } : { kind: 'timeout' };
    }
    if (wait.kind === 'until') {
      await setPhase('waiting_time');
      await condition(() => !!closed, Math.max(0, wait.at - Date.now()));
      return closed ? undefined : { kind: 'timer' };
    }
    if (wait.kind === 'enrich') {
      await setPhase('enriching');
      const result = await acts.enrich({ conversationId, fields: wait.fields });
      return result.ok ? { kind: 'enriched', values: result.values } : { kind: 'enrichFailed', reason: result.reason };
    }
    if (wait.kind === 'handoff') return waitHandoff();
    return undefined;
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
    let firstTurn = !input.carried;
    for (;;) {
      const since = firstTurn && input.inbound ? 0 : inbox.length;
      firstTurn = false;
      for (const action of step.actions) await perform(action);
      state = step.state;
      if (!campaignNotified) campaignNotified = await notifyCampaign(input);
      if (step.wait.kind === 'end' || closed) break;
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
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable) throw err;
    state = { ...state, outcome: cause.type === 'ContactStoppedError' ? 'Opted out' : 'Undeliverable' };
    await acts.updateConversation({ conversationId, note: `stopped: ${cause.type ?? 'send failed'}` });
  }
  phase = 'ended';
  const outcome = closed?.outcome ?? agentOutcome ?? state.outcome;
  if (outcome) upsertSearchAttributes([{ key: OutcomeKey, value: outcome }]);
  upsertSearchAttributes([{ key: ConversationStatusKey, value: 'ended' }]);
  await condition(allHandlersFinished);
  await acts.finishConversation({ conversationId, outcome, reason: closed?.reason ?? 'journey' });
  if (!campaignNotified) await notifyCampaign(input);
  return { status: 'ended', outcome };
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
