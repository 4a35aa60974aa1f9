import { condition, upsertSearchAttributes } from '@temporalio/workflow';
import { type ConversationPhase, ConversationStatusKey, OutcomeKey } from '../contracts';
import type { Action } from '../journey/types';
import { nextSendTimeInAll } from '../journey/window';
import { local } from './proxies';
import type { Conversation } from './state';

/** Carries out one of the interpreter's actions. */
export async function perform(c: Conversation, action: Action): Promise<void> {
  if (action.kind === 'send') {
    // Held for the send window, a message must not go out once the
    // conversation is closed (an opt-out above all), nor after a close mid-batch.
    const { settings, recipientWindow } = c.ctx;
    const windows = [{ window: settings.sendWindow, timeZone: settings.timeZone }, ...(recipientWindow ? [recipientWindow] : [])];
    const at = nextSendTimeInAll(Date.now(), windows);
    if (at > Date.now() && !c.closed) await condition(() => !!c.closed, at - Date.now());
    if (c.closed) return;
    const attempt = (c.sends[action.stepId] ?? 0) + 1;
    c.sends[action.stepId] = attempt;
    // A restricted contact gets nothing: the journey freezes at this send until the restriction is lifted, then
    // sends it. No patch: only a restriction answers `held`, and no history before it holds such an answer.
    for (;;) {
      const sent = await local.sendMessage({ conversationId: c.id, stepId: action.stepId, attempt, text: action.text, author: 'bot' });
      if (!('held' in sent)) return;
      const was = c.phase;
      await setPhase(c, 'restricted');
      await condition(() => !!c.closed || c.restrictionLifted);
      c.restrictionLifted = false;
      if (c.closed) return;
      await setPhase(c, was);
    }
  } else if (action.kind === 'outcome') {
    if (c.agentOutcome) return;
    upsertSearchAttributes([{ key: OutcomeKey, value: action.outcome }]);
    await local.updateConversation({ conversationId: c.id, outcome: action.outcome });
  } else if (action.kind === 'note') {
    await local.updateConversation({ conversationId: c.id, note: action.text });
  } else if (action.kind === 'understood') {
    if (c.lastReplyId) await local.recordIntent({ messageId: c.lastReplyId, intent: action.intent, score: action.score });
  } else {
    // The answer to an ID&V question is withheld from the transcript; only the result is kept.
    const result = action.ok ? 'passed' : action.lockedOut ? 'failed, locked out' : 'failed';
    await local.updateConversation({ conversationId: c.id, note: `ID&V ${result} at ${action.stepId}`, withholdMessageId: c.lastReplyId });
  }
}

/** Shows the phase in the ConversationStatus search attribute; the row keeps only what changes rarely. */
export async function setPhase(c: Conversation, next: ConversationPhase): Promise<void> {
  if (next === c.phase) return;
  c.phase = next;
  upsertSearchAttributes([{ key: ConversationStatusKey, value: next }]);
  const status = next === 'handoff' ? 'handoff' : 'active';
  if (status !== c.stored) await local.updateConversation({ conversationId: c.id, status, step: c.run.stepId });
  c.stored = status;
}
