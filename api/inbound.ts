import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import type { ChannelKind } from '../db/tables/channel.table';
import { LIVE_STATUSES as LIVE } from '../db/tables/conversation.table';
import { ChannelKey, ConversationStatusKey, JourneyIdKey, OrgIdKey, closeSignal, inboundSignal, type ConversationInput, type InboundMessage } from '../workflows/contracts';
import { optOutKeyword } from '../workflows/journey/optout';
import type { ApiDeps } from './deps';

export interface InboundInput {
  orgId: string;
  channelId: string;
  channelKind: ChannelKind;
  address: string;
  text: string;
  providerMessageId: string;
}

export type InboundResult = {
  messageId: string;
  duplicate: boolean;
  conversationId: string | null;
  consent?: 'opted_out' | 'opted_in';
};

type Deps = Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'hashKey'>;

// These providers answer STOP themselves; a second confirmation would be noise.
const PROVIDER_CONFIRMS = new Set<ChannelKind>(['twilio']);
const CONFIRM = { stop: 'You have been unsubscribed and will get no more messages here. Reply START to subscribe again.', start: 'You are subscribed again. Reply STOP at any time to unsubscribe.' };

/** A workflow id for a sender's inbound conversation that holds no personal data. */
export function inboundWorkflowId(hashKey: Buffer, orgId: string, channelId: string, address: string): string {
  return `inbound:${createHmac('sha256', hashKey).update(`${orgId}\n${channelId}\n${address}`).digest('base64url').slice(0, 32)}`;
}

/**
 * Stores an inbound message before anything else (a unique provider id makes a
 * replay a no-op), applies opt-out keywords, then signals the sender's live
 * conversation or starts the org's inbound journey. A message stored but not
 * yet routed (a crash in between) is routed on the provider's retry.
 */
export async function receiveInbound(deps: Deps, input: InboundInput): Promise<InboundResult> {
  const { db } = deps;
  const settings = (await db.selectFrom('orgs').select('settings').where('id', '=', input.orgId).executeTakeFirstOrThrow()).settings;
  const keyword = optOutKeyword(input.text);
  const mayStart = !!settings.inboundJourneyId && keyword === null;
  const contact = await findOrCreateContact(deps, input, mayStart);
  const { message, duplicate } = await storeMessage(deps, input);
  if (message.conversation_id || message.routed) return { messageId: message.id, duplicate, conversationId: message.conversation_id };
  if (!contact) {
    await markRouted(deps, message.id, null);
    return { messageId: message.id, duplicate, conversationId: null };
  }

  const findLive = () =>
    db
      .selectFrom('conversations')
      .select(['id', 'workflow_id', 'status'])
      .where('contact_id', '=', contact)
      .where('channel_id', '=', input.channelId)
      .where('status', 'in', LIVE)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  let live = await findLive();

  if (keyword) {
    await db
      .insertInto('consents')
      .values({ org_id: input.orgId, channel_id: input.channelId, contact_id: contact, status: keyword === 'stop' ? 'opted_out' : 'opted_in', source: 'keyword', message_id: message.id })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .execute();
    if (keyword === 'stop' && live) await signalQuietly(deps, live.workflow_id, closeSignal, { reason: 'opt_out', outcome: 'Opted out' });
    if (!PROVIDER_CONFIRMS.has(input.channelKind)) {
      await deps.temporal.workflow
        .start('notice', {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          workflowId: `notice:${message.id}`,
          args: [{ channelId: input.channelId, contactId: contact, conversationId: live?.id, text: CONFIRM[keyword], key: `notice:${message.id}` }],
        })
        .catch((err) => {
          if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
        });
    }
    await markRouted(deps, message.id, live?.id ?? null);
    return { messageId: message.id, duplicate, conversationId: live?.id ?? null, consent: keyword === 'stop' ? 'opted_out' : 'opted_in' };
  }

  // A conversation whose run has ended is no longer live: look again, at most a few times.
  let endedId: string | null = null;
  for (let tries = 0; live && tries < 3; tries++) {
    if (await reachesRun(deps, live, input, message.id)) {
      await markRouted(deps, message.id, live.id);
      return { messageId: message.id, duplicate, conversationId: live.id };
    }
    endedId = live.id;
    live = await findLive();
  }
  if (!mayStart) {
    // Without an inbound journey, a reply that came as its conversation ended stays on it as a late reply.
    await markRouted(deps, message.id, endedId);
    return { messageId: message.id, duplicate, conversationId: endedId };
  }
  const conversationId = await startInbound(deps, input, contact, settings.inboundJourneyId!, message.id);
  await markRouted(deps, message.id, conversationId);
  return { messageId: message.id, duplicate, conversationId };
}

async function findOrCreateContact({ db }: Deps, input: InboundInput, create: boolean): Promise<string | undefined> {
  const find = () =>
    db
      .selectFrom('contacts')
      .select('id')
      .where('org_id', '=', input.orgId)
      .where('channel_id', '=', input.channelId)
      .where('address', '=', input.address)
      .executeTakeFirst();
  const found = await find();
  if (found || !create) return found?.id;
  // A concurrent first message may create it first: then ours does nothing and the read finds theirs.
  await db
    .insertInto('contacts')
    .values({ org_id: input.orgId, channel_id: input.channelId, address: input.address, fields: JSON.stringify({}) })
    .onConflict((oc) => oc.columns(['org_id', 'channel_id', 'address']).doNothing())
    .execute();
  return (await find())?.id;
}

async function storeMessage({ db }: Deps, input: InboundInput) {
  const inserted = await db
    .insertInto('messages')
    .values({ org_id: input.orgId, channel_id: input.channelId, direction: 'in', author: 'contact', body: input.text, status: 'received', provider_message_id: input.providerMessageId })
    .onConflict((oc) => oc.columns(['channel_id', 'direction', 'provider_message_id']).doNothing())
    .returning(['id', 'conversation_id', 'routed_at'])
    .executeTakeFirst();
  const message =
    inserted ??
    (await db
      .selectFrom('messages')
      .select(['id', 'conversation_id', 'routed_at'])
      .where('channel_id', '=', input.channelId)
      .where('direction', '=', 'in')
      .where('provider_message_id', '=', input.providerMessageId)
      .executeTakeFirstOrThrow());
  return { message: { ...message, routed: !!message.routed_at }, duplicate: !inserted };
}

async function markRouted({ db }: Deps, messageId: string, conversationId: string | null) {
  // A closing conversation may already have handed the message on to the sender's next one.
  await db
    .updateTable('messages')
    .set((eb) => ({ conversation_id: eb.fn.coalesce('conversation_id', eb.val(conversationId)), routed_at: new Date() }))
    .where('id', '=', messageId)
    .execute();
}

/**
 * Signals a live conversation's run; false when the run has closed. A pending
 * inbound conversation whose run never started gets it started now; an active
 * row whose run has closed without ending it is ended, so it catches no later message.
 */
async function reachesRun(deps: Deps, live: { id: string; workflow_id: string; status: string }, input: InboundInput, messageId: string): Promise<boolean> {
  const msg = { messageId, text: input.text, conversationId: live.id };
  try {
    await deps.temporal.workflow.getHandle(live.workflow_id).signal(inboundSignal, msg);
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const row = await deps.db.selectFrom('conversations').select('status').where('id', '=', live.id).executeTakeFirst();
  if (row?.status === 'pending') {
    // A campaign's or the API's conversation starts its own run; until then the message waits on its row.
    if (live.workflow_id.startsWith('inbound:')) await signalWithStartInbound(deps, input, live.id, live.workflow_id, msg);
    return true;
  }
  if (row?.status === 'active' || row?.status === 'handoff') {
    await deps.db
      .updateTable('conversations')
      .set((eb) => ({ status: 'ended', ended_at: new Date(), notes: sql<string>`${eb.ref('notes')} || ${JSON.stringify(['ended: its workflow had closed'])}::jsonb` }))
      .where('id', '=', live.id)
      .where('status', 'in', ['active', 'handoff'])
      .execute();
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
async function startInbound(deps: Deps, input: InboundInput, contactId: string, journeyId: string, messageId: string): Promise<string> {
  const { db } = deps;
  const workflowId = inboundWorkflowId(deps.hashKey, input.orgId, input.channelId, input.address);
  const journey = await db.selectFrom('journeys').select(['id', 'current_version']).where('id', '=', journeyId).where('org_id', '=', input.orgId).executeTakeFirstOrThrow();
  await db
    .insertInto('conversations')
    .values({ org_id: input.orgId, contact_id: contactId, channel_id: input.channelId, journey_id: journey.id, journey_version: journey.current_version, workflow_id: workflowId, status: 'pending' })
    .onConflict((oc) => oc.column('workflow_id').where('status', 'in', LIVE).doNothing())
    .execute();
  const conversation = await db.selectFrom('conversations').select('id').where('workflow_id', '=', workflowId).where('status', 'in', LIVE).executeTakeFirstOrThrow();
  // Should the sender's last conversation still be closing, this reaches its run, which carries on as this one.
  await signalWithStartInbound(deps, input, conversation.id, workflowId, { messageId, text: input.text, conversationId: conversation.id });
  return conversation.id;
}

async function signalWithStartInbound(deps: Deps, input: InboundInput, conversationId: string, workflowId: string, msg: InboundMessage) {
  const { journey_id: journeyId } = await deps.db.selectFrom('conversations').select('journey_id').where('id', '=', conversationId).executeTakeFirstOrThrow();
  await deps.temporal.workflow.signalWithStart('conversation', {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId,
    args: [{ conversationId, inbound: true } satisfies ConversationInput],
    signal: inboundSignal,
    signalArgs: [msg],
    typedSearchAttributes: [
      { key: OrgIdKey, value: input.orgId },
      { key: JourneyIdKey, value: journeyId },
      { key: ChannelKey, value: input.channelKind },
      { key: ConversationStatusKey, value: 'starting' },
    ],
  });
}
