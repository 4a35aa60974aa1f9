import { isOptedOut, recordConsent } from '../db/consent';
import {
  changeConversation,
  conversationById,
  conversationContext,
  createConversation,
  liveConversationOnWorkflow,
  sendTarget,
} from '../db/conversations';
import type { Db } from '../db/database';
import { findJourney } from '../db/journeys';
import { moveInbound, recordIntent, storeMessage, withholdInbound } from '../db/messages';
import { orgSettings } from '../db/orgs';
import { type BlockReason, blockedAddresses } from '../db/suppressions';
import { LIVE_STATUSES, type ConversationStatus } from '../db/tables/conversation.table';
import type { OrgSettings } from '../db/tables/org.table';
import { isInboundWorkflowId } from '../workflows/contracts';
import type { Journey, SendWindow } from '../workflows/journey';
import { recipientZone } from '../platform/recipient-zone';
import type { ChannelRegistry } from '../channels';
import { ContactStoppedError, NotFoundError } from './errors';
import { deliver } from './deliver';
import { sendFailure } from './send-failure';

export const WITHHELD = '[ID&V answer withheld]';

export interface ConversationContext {
  skip?: string;
  orgId: string;
  journeyId: string;
  journeyVersion: number;
  journey: Journey;
  /**
   * The version's intent classifier as JSON, when its journey declares intents. A run keeps it as
   * text and reads it per classified reply: a third of the memory of the parsed model in every cached run.
   */
  model?: string;
  contact: Record<string, string>;
  channelKind: string;
  settings: Pick<OrgSettings, 'timeZone' | 'locale' | 'currency' | 'sendWindow'>;
  /** The campaign's send window, in the recipient's zone; absent outside campaigns that set one. */
  recipientWindow?: { window: SendWindow; timeZone: string };
}

export interface SendInput {
  conversationId: string;
  stepId: string;
  attempt: number;
  text: string;
  author: 'bot' | 'agent' | 'api';
}

const SKIPPED_OUTCOME: Record<BlockReason, string> = { optedOut: 'Opted out', suppressed: 'Suppressed', restricted: 'Restricted' };

export const createConversationActivities = ({ db, channels, hashKey }: { db: Db; channels: ChannelRegistry; hashKey?: Buffer }) => {
  const blockedReason = async (row: { org_id: string; channel_id: string; contact_id: string; kind: string; address: string }) => {
    if (!hashKey) return (await isOptedOut(db, row.contact_id, row.channel_id)) ? ('optedOut' as const) : undefined;
    const scope = { orgId: row.org_id, channelId: row.channel_id, channelKind: row.kind };
    return (await blockedAddresses(db, hashKey, scope, [row.address])).get(row.address);
  };
  return {
    /** Loads what the conversation needs, pinned to its journey version, and marks it started. */
    async loadConversation({ conversationId }: { conversationId: string }): Promise<ConversationContext> {
      const row = await conversationContext(db, conversationId);
      if (!row) throw new NotFoundError(`conversation ${conversationId}`);
      // Checked as it starts, not only at import: a member may be suppressed, restricted or opt out while it waits.
      const blocked = row.status === 'pending' ? await blockedReason(row) : undefined;
      if (blocked) {
        await changeConversation(db, { id: conversationId }, { status: 'skipped', outcome: SKIPPED_OUTCOME[blocked], endedAt: new Date() });
        row.status = 'skipped';
      }
      if (row.status === 'pending') {
        await changeConversation(db, { id: conversationId }, { status: 'active', startedAt: new Date() }, { from: ['pending'] });
      }
      const { timeZone, locale, currency, sendWindow } = row.settings;
      return {
        skip: row.status === 'cancelled' || row.status === 'skipped' ? row.status : undefined,
        orgId: row.org_id,
        journeyId: row.journey_id,
        journeyVersion: row.journey_version,
        journey: row.definition as unknown as Journey,
        ...(row.model ? { model: JSON.stringify(row.model) } : {}),
        contact: row.fields,
        channelKind: row.kind,
        settings: { timeZone, locale, currency, sendWindow },
        ...(row.send_window
          ? {
              recipientWindow: {
                window: { start: row.send_window.from, end: row.send_window.to, days: row.send_window.days },
                timeZone: recipientZone(row.address, timeZone),
              },
            }
          : {}),
      };
    },

    /**
     * Sends once per (conversation, step, attempt): the message row is keyed on
     * it, and so is the provider call, so a retry after a crash between the
     * provider's accept and our commit finds the first send instead of repeating it.
     * A refusal for good ends the message failed with its reason, and is not retried;
     * a provider's word that the person stopped is recorded as their opt-out.
     */
    async sendMessage(input: SendInput): Promise<{ messageId: string; providerMessageId: string } | { held: 'restricted' }> {
      const key = `${input.conversationId}:${input.stepId}:${input.attempt}`;
      const target = await sendTarget(db, input.conversationId);
      if (!target) throw new NotFoundError(`conversation ${input.conversationId}`);
      if (target.opted_out) throw sendFailure(new ContactStoppedError('the person opted out of this channel'));
      if (target.objected) throw sendFailure(new ContactStoppedError("the person objected to this campaign's purpose on this channel"));
      // Restricted processing: nothing is stored or sent; the workflow waits for the restriction to be lifted.
      if (target.restricted_at) return { held: 'restricted' };
      const { message } = await storeMessage(db, {
        orgId: target.org_id,
        conversationId: input.conversationId,
        channelId: target.channel_id,
        direction: 'out',
        author: input.author,
        body: input.text,
        step: input.stepId,
        idempotencyKey: key,
      });
      if (message.provider_message_id) return { messageId: message.id, providerMessageId: message.provider_message_id };
      const stopped = () =>
        recordConsent(db, {
          orgId: target.org_id,
          channelId: target.channel_id,
          contactId: target.contact_id,
          status: 'opted_out',
          source: 'provider',
          messageId: message.id,
        });
      const sent = await deliver(
        { db, channels },
        target.kind,
        message.id,
        {
          channelId: target.channel_id,
          config: target.config,
          to: target.address,
          text: input.text,
          idempotencyKey: key,
          step: input.stepId,
        },
        stopped,
      );
      return { messageId: message.id, providerMessageId: sent.providerMessageId };
    },

    /** The best intent of the step that read an inbound message, kept on the message. */
    async recordIntent(input: { messageId: string; intent: string; score: number }): Promise<void> {
      await recordIntent(db, input.messageId, input.intent, input.score);
    },

    async updateConversation(input: {
      conversationId: string;
      status?: ConversationStatus;
      step?: string;
      outcome?: string;
      note?: string;
      /** An inbound message whose text must not be kept (an ID&V answer). */
      withholdMessageId?: string;
    }): Promise<void> {
      if (input.withholdMessageId) await withholdInbound(db, input.withholdMessageId, WITHHELD);
      const { status, step, outcome, note } = input;
      await changeConversation(db, { id: input.conversationId }, { status, step, outcome, note }, { from: LIVE_STATUSES });
    },

    /**
     * Messages that reached a conversation after its journey ended. On a sender's
     * inbound workflow id they open the sender's next conversation (the one the API
     * already made, or a new one of the org's inbound journey), which the same
     * workflow id then runs; elsewhere they stay on this one as late replies.
     */
    async routeLateReplies(input: { conversationId: string; workflowId: string; messageIds: string[] }): Promise<{ successorId?: string }> {
      const ended = await conversationById(db, input.conversationId);
      if (!ended || ended.workflow_id !== input.workflowId || !isInboundWorkflowId(input.workflowId)) return {};
      let successor = await liveConversationOnWorkflow(db, input.workflowId);
      if (!successor) {
        const { inboundJourneyId } = await orgSettings(db, ended.org_id);
        const journey = inboundJourneyId ? await findJourney(db, ended.org_id, inboundJourneyId) : undefined;
        if (!journey) return {};
        const next = {
          orgId: ended.org_id,
          contactId: ended.contact_id,
          channelId: ended.channel_id,
          journeyId: journey.id,
          journeyVersion: journey.current_version,
          workflowId: input.workflowId,
        };
        successor = await createConversation(db, next, { unlessLive: true });
        if (!successor) return {};
      }
      await moveInbound(db, input.messageIds, successor.id);
      return { successorId: successor.id };
    },

    /** Ends a live conversation; one already ended, cancelled or skipped keeps its state. */
    async finishConversation(input: { conversationId: string; outcome?: string; reason: string }): Promise<void> {
      await changeConversation(
        db,
        { id: input.conversationId },
        { status: 'ended', endedAt: new Date(), outcome: input.outcome },
        { from: LIVE_STATUSES },
      );
    },
  };
};
