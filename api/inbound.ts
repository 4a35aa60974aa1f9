import { createHmac } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import { type ChannelKind, kindRules } from '../channels';
import { recordConsent } from '../db/consent';
import { ensureContact, findContactId } from '../db/contacts';
import { changeConversation, conversationById, createConversation, liveConversationWith } from '../db/conversations';
import { acceptInbound } from '../db/inbound-queue';
import { markRouted, messageRouting } from '../db/messages';
import { orgSettings } from '../db/orgs';
import { blockedAddresses } from '../db/suppressions';
import type { OrgSettings } from '../db/tables/org.table';
import { findJourney } from '../db/journeys';
import {
  WORKFLOW,
  closeSignal,
  conversationSearchAttributes,
  inboundSignal,
  inboundWorkflowId as inboundId,
  isInboundWorkflowId,
  noticeWorkflowId,
  type ConversationInput,
  type InboundMessage,
  type NoticeInput,
} from '../workflows/contracts';
import { optOutKeyword } from '../workflows/journey/optout';
import { sentimentOf } from '../platform/sentiment';
import type { ApiDeps } from './deps';
import type { InboundRelay, KickOutcome } from './relay';

export interface InboundInput {
  orgId: string;
  channelId: string;
  channelKind: ChannelKind;
  address: string;
  text: string;
  providerMessageId: string;
  /** The org's settings, when the caller has read them already. */
  settings?: OrgSettings;
}

/** A stored inbound message on its way; `routed` settles once the relay has had its go at the sender's queue. */
export type AcceptedInbound = { messageId: string; duplicate: boolean; routed: Promise<KickOutcome> };

export type InboundResult = {
  messageId: string;
  conversationId: string | null;
  consent?: 'opted_out' | 'opted_in';
  /** Stored but neither routed to a run nor answered: the sender is suppressed or restricted. */
  blocked?: 'suppressed' | 'restricted';
};

/** A stored message for routing: its sender, as queued, and its text. */
export type RouteInput = Omit<InboundInput, 'providerMessageId'> & { messageId: string; sentiment?: number };

type Deps = Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'hashKey'>;

const CONFIRM = {
  stop: 'You have been unsubscribed and will get no more messages here. Reply START to subscribe again.',
  start: 'You are subscribed again. Reply STOP at any time to unsubscribe.',
};

/** A workflow id for a sender's inbound conversation that holds no personal data. */
export function inboundWorkflowId(hashKey: Buffer, orgId: string, channelId: string, address: string): string {
  return inboundId(createHmac('sha256', hashKey).update(`${orgId}\n${channelId}\n${address}`).digest('base64url').slice(0, 32));
}

/**
 * Stores an inbound message and queues it for the relay (a unique provider id makes a
 * replay a no-op), then asks the relay to route it. The caller may answer the
 * provider as soon as this returns: the message is durable.
 */
export async function receiveInbound(deps: Deps & { relay: InboundRelay }, input: InboundInput): Promise<AcceptedInbound> {
  const sender = { orgId: input.orgId, channelId: input.channelId, address: input.address };
  const stored = await acceptInbound(deps.db, sender, input, deps.config.TEMPORAL_TASK_QUEUE);
  const routed = deps.relay.kick(sender);
  return { messageId: stored.message.id, duplicate: !stored.created, routed };
}

/**
 * Routes one stored inbound message: applies opt-out keywords, then signals the
 * sender's live conversation or starts the org's inbound journey. The relay calls
 * it for one sender at a time, in the order the messages were stored.
 */
export async function routeInbound(deps: Deps, input: RouteInput): Promise<InboundResult> {
  const { db } = deps;
  const settings = input.settings ?? (await orgSettings(db, input.orgId));
  const keyword = optOutKeyword(input.text);
  const mayStart = !!settings.inboundJourneyId && keyword === null;
  const key = { orgId: input.orgId, channelId: input.channelId, address: input.address };
  const message = await messageRouting(db, input.messageId);
  // Routed already, by a process that died before taking it off the queue.
  if (message.conversation_id || message.routed_at) return { messageId: message.id, conversationId: message.conversation_id };
  input = { ...input, sentiment: await sentimentOf(input.text) };
  const { sentiment } = input;
  const reason = (await blockedAddresses(db, deps.hashKey, { ...key, channelKind: input.channelKind }, [input.address])).get(input.address);
  if (reason === 'suppressed' || reason === 'restricted') return holdBlocked(deps, input, message.id, keyword, reason);
  const contact = (await findContactId(db, key)) ?? (mayStart ? await ensureContact(db, key) : undefined);
  if (!contact) {
    await markRouted(db, message.id, null, sentiment);
    return { messageId: message.id, conversationId: null };
  }

  const findLive = () => liveConversationWith(db, contact, input.channelId);
  let live = await findLive();

  if (keyword) {
    const status = keyword === 'stop' ? 'opted_out' : 'opted_in';
    await recordConsent(db, {
      orgId: input.orgId,
      channelId: input.channelId,
      contactId: contact,
      status,
      source: 'keyword',
      messageId: message.id,
    });
    if (keyword === 'stop' && live) await signalQuietly(deps, live.workflow_id, closeSignal, { reason: 'opt_out', outcome: 'Opted out' });
    // A provider that answers STOP itself needs no second confirmation from us.
    if (!kindRules(input.channelKind).capabilities.confirmsStop) {
      await deps.temporal.workflow
        .start(WORKFLOW.notice, {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          workflowId: noticeWorkflowId(message.id),
          args: [
            {
              channelId: input.channelId,
              contactId: contact,
              conversationId: live?.id,
              text: CONFIRM[keyword],
              key: noticeWorkflowId(message.id),
            } satisfies NoticeInput,
          ],
        })
        .catch((err) => {
          if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
        });
    }
    await markRouted(db, message.id, live?.id ?? null, sentiment);
    return { messageId: message.id, conversationId: live?.id ?? null, consent: status };
  }

  // A conversation whose run has ended is no longer live: look again, at most a few times.
  let endedId: string | null = null;
  for (let tries = 0; live && tries < 3; tries++) {
    if (await reachesRun(deps, live, input, message.id)) {
      await markRouted(db, message.id, live.id, sentiment);
      return { messageId: message.id, conversationId: live.id };
    }
    endedId = live.id;
    live = await findLive();
  }
  if (!mayStart) {
    // Without an inbound journey, a reply that came as its conversation ended stays on it as a late reply.
    await markRouted(db, message.id, endedId, sentiment);
    return { messageId: message.id, conversationId: endedId };
  }
  const conversationId = await startInbound(deps, input, contact, settings.inboundJourneyId!, message.id);
  await markRouted(db, message.id, conversationId, sentiment);
  return { messageId: message.id, conversationId };
}

/**
 * Keeps the message of a suppressed or restricted sender on their live conversation, if any, and
 * records a keyword's consent; starts, signals and sends nothing, so no bot or notice answers.
 */
async function holdBlocked(
  deps: Deps,
  input: RouteInput,
  messageId: string,
  keyword: ReturnType<typeof optOutKeyword>,
  blocked: 'suppressed' | 'restricted',
): Promise<InboundResult> {
  const contact = await findContactId(deps.db, { orgId: input.orgId, channelId: input.channelId, address: input.address });
  const live = contact ? await liveConversationWith(deps.db, contact, input.channelId) : undefined;
  let consent: InboundResult['consent'];
  if (keyword && contact) {
    consent = keyword === 'stop' ? 'opted_out' : 'opted_in';
    await recordConsent(deps.db, {
      orgId: input.orgId,
      channelId: input.channelId,
      contactId: contact,
      status: consent,
      source: 'keyword',
      messageId,
    });
  }
  await markRouted(deps.db, messageId, live?.id ?? null, input.sentiment);
  return { messageId, conversationId: live?.id ?? null, blocked, ...(consent ? { consent } : {}) };
}

/**
 * Signals a live conversation's run; false when the run has closed. A pending
 * inbound conversation whose run never started gets it started now; an active
 * row whose run has closed without ending it is ended, so it catches no later message.
 */
async function reachesRun(
  deps: Deps,
  live: { id: string; workflow_id: string; status: string },
  input: RouteInput,
  messageId: string,
): Promise<boolean> {
  const msg = { messageId, text: input.text, conversationId: live.id, sentiment: input.sentiment };
  try {
    await deps.temporal.workflow.getHandle(live.workflow_id).signal(inboundSignal, msg);
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const row = await conversationById(deps.db, live.id);
  if (row?.status === 'pending') {
    // A campaign's or the API's conversation starts its own run; until then the message waits on its row.
    if (isInboundWorkflowId(live.workflow_id)) await signalWithStartInbound(deps, input, live.id, live.workflow_id, msg);
    return true;
  }
  if (row?.status === 'active' || row?.status === 'handoff') {
    const change = { status: 'ended', endedAt: new Date(), note: 'ended: its workflow had closed' } as const;
    await changeConversation(deps.db, { id: live.id }, change, { from: ['active', 'handoff'] });
  }
  return false;
}

async function signalQuietly<T>(deps: Deps, workflowId: string, def: SignalDefinition<[T]>, arg: T) {
  try {
    await deps.temporal.workflow.getHandle(workflowId).signal(def, arg);
  } catch (err) {
    // It ended between our read and the signal: there is nothing left to close.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** One live inbound conversation per sender, even when several first messages race. */
async function startInbound(deps: Deps, input: RouteInput, contactId: string, journeyId: string, messageId: string): Promise<string> {
  const { db } = deps;
  const workflowId = inboundWorkflowId(deps.hashKey, input.orgId, input.channelId, input.address);
  const journey = await findJourney(db, input.orgId, journeyId);
  if (!journey) throw new Error('the inbound journey is missing');
  const conversation = await createConversation(
    db,
    {
      orgId: input.orgId,
      contactId,
      channelId: input.channelId,
      journeyId: journey.id,
      journeyVersion: journey.current_version,
      workflowId,
    },
    { unlessLive: true },
  );
  if (!conversation) throw new Error('the live inbound conversation ended while starting');
  // Should the sender's last conversation still be closing, this reaches its run, which carries on as this one.
  await signalWithStartInbound(deps, input, conversation.id, workflowId, {
    messageId,
    text: input.text,
    conversationId: conversation.id,
    sentiment: input.sentiment,
  });
  return conversation.id;
}

async function signalWithStartInbound(deps: Deps, input: RouteInput, conversationId: string, workflowId: string, msg: InboundMessage) {
  const row = await conversationById(deps.db, conversationId);
  if (!row) throw new Error('the conversation to start is missing');
  const journeyId = row.journey_id;
  await deps.temporal.workflow.signalWithStart(WORKFLOW.conversation, {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId,
    args: [{ conversationId, inbound: true } satisfies ConversationInput],
    signal: inboundSignal,
    signalArgs: [msg],
    typedSearchAttributes: conversationSearchAttributes({ orgId: input.orgId, journeyId, channelKind: input.channelKind }),
  });
}
