import type { ConversationContext } from '../../activities/conversation';
import type { ConversationInput, ConversationPhase, InboundMessage } from '../contracts';
import { initialState } from '../journey/interpreter';
import type { RunContext, RunState } from '../journey/types';

/** What one conversation run knows and holds; the handlers and the main flow share it. */
export interface Conversation {
  readonly id: string;
  readonly input: ConversationInput;
  readonly ctx: ConversationContext;
  phase: ConversationPhase;
  /** The journey interpreter's state. */
  run: RunState;
  /** Send attempts per step, for the idempotency key. */
  sends: Record<string, number>;
  /** Messages waiting to be read as answers. */
  inbox: InboundMessage[];
  /** Messages the journey did not read before it ended, or that reached this run after. */
  late: InboundMessage[];
  /** Recent message ids: providers and our own API may deliver a message twice. */
  seen: string[];
  /** What the run was started with is never handed on, or a journey that reads nothing would start itself again and again. */
  given: Set<string>;
  campaignNotified: boolean;
  closed?: { outcome?: string; reason: string };
  handoff: boolean;
  handback?: { stepId?: string };
  /** An agent's outcome (already stored by the API) outranks the journey's. */
  agentOutcome?: string;
  lastReplyId?: string;
  /** Failed enrichments in a row at one step, for the retry back-off. */
  enrichFailed: { stepId: string; count: number };
  /** The status last written to the row; the live step is in the query. */
  stored: 'active' | 'handoff';
  /** Set by the restrictionLifted signal, read by a send or enrichment frozen by a restriction. */
  restrictionLifted: boolean;
}

export function newConversation(input: ConversationInput, ctx: ConversationContext): Conversation {
  const carried = input.carried;
  return {
    id: input.conversationId,
    input,
    ctx,
    phase: 'active',
    run: carried?.state ?? initialState(ctx.journey),
    sends: carried?.sends ?? {},
    inbox: [...(carried?.inbox ?? input.inbox ?? [])],
    late: [],
    seen: [...(carried?.seen ?? input.inbox?.map((m) => m.messageId) ?? [])],
    given: new Set(),
    campaignNotified: carried?.started ?? false,
    handoff: false,
    agentOutcome: carried?.agentOutcome,
    enrichFailed: { stepId: '', count: 0 },
    stored: 'active',
    restrictionLifted: false,
  };
}

export const runContext = ({ ctx }: Conversation): RunContext => ({
  now: Date.now(),
  timeZone: ctx.settings.timeZone,
  locale: ctx.settings.locale,
  currency: ctx.settings.currency,
  contact: ctx.contact,
  ...(ctx.model ? { model: ctx.model } : {}),
});
