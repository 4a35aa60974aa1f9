import { ApplicationFailure, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  type AgentMessage,
  agentMessageUpdate,
  closeSignal,
  conversationStateQuery,
  handbackSignal,
  handoffSignal,
  inboundSignal,
  OutcomeKey,
  outcomeSignal,
  restrictionLiftedSignal,
  contactRectifiedSignal,
} from '../contracts';
import { local } from './proxies';
import type { Conversation } from './state';

const SEEN_LIMIT = 100;

/**
 * Installs the query, signal and update handlers. Signals that arrived before
 * the run started are delivered as each handler is set, so the order matters.
 */
export function setHandlers(c: Conversation): void {
  setHandler(conversationStateQuery, () => ({
    conversationId: c.id,
    phase: c.phase,
    stepId: c.run.stepId,
    outcome: c.agentOutcome ?? c.run.outcome,
    journeyVersion: c.ctx.journeyVersion,
  }));
  setHandler(inboundSignal, (msg) => {
    if (c.seen.includes(msg.messageId)) return;
    c.seen.push(msg.messageId);
    if (c.seen.length > SEEN_LIMIT) c.seen.shift();
    // After the end nothing reads the inbox; a message routed to a successor is never this journey's.
    if (c.phase === 'ended' || (msg.conversationId && msg.conversationId !== c.id)) c.late.push(msg);
    else c.inbox.push(msg);
  });
  c.given = new Set(c.inbox.map((m) => m.messageId));
  setHandler(restrictionLiftedSignal, () => void (c.restrictionLifted = true));
  setHandler(contactRectifiedSignal, ({ fields }) => {
    for (const [k, v] of Object.entries(fields)) {
      if (v === '') delete c.ctx.contact[k];
      else c.ctx.contact[k] = v;
    }
  });
  setHandler(outcomeSignal, ({ outcome }) => {
    c.agentOutcome = outcome;
    upsertSearchAttributes([{ key: OutcomeKey, value: outcome }]);
  });
  setHandler(handoffSignal, () => void (c.handoff = true));
  setHandler(handbackSignal, (h) => {
    c.handoff = false;
    c.handback = h;
  });
  setHandler(closeSignal, (closed) => void (c.closed = closed));
  setHandler(
    agentMessageUpdate,
    async (msg: AgentMessage) => {
      const sent = await local.sendMessage({
        conversationId: c.id,
        stepId: `agent:${msg.requestId}`,
        attempt: 1,
        text: msg.text,
        author: msg.author,
      });
      // An agent's message to a restricted contact is refused (the API answers 409), not held.
      if ('held' in sent) throw ApplicationFailure.nonRetryable('the contact is restricted from processing', 'Restricted');
      return { messageId: sent.messageId };
    },
    {
      validator: (_msg: AgentMessage) => {
        if (c.phase === 'ended') throw new Error('conversation has ended');
      },
    },
  );
}
