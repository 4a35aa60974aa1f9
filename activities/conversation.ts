import { sql } from 'kysely';
import type { Db } from '../db/database';
import { LIVE_STATUSES, type ConversationStatus } from '../db/tables/conversation.table';
import type { OrgSettings } from '../db/tables/org.table';
import type { Journey } from '../workflows/journey';
import type { ChannelRegistry } from './channels';
import { ContactStoppedError, NotFoundError, PermanentSendError } from './errors';
import { isOptedOut } from '../db/consent';

export const WITHHELD = '[ID&V answer withheld]';

export interface ConversationContext {
  skip?: string;
  orgId: string;
  journeyId: string;
  journeyVersion: number;
  journey: Journey;
  contact: Record<string, string>;
  channelKind: string;
  settings: Pick<OrgSettings, 'timeZone' | 'locale' | 'currency' | 'sendWindow'>;
}

export interface SendInput {
  conversationId: string;
  stepId: string;
  attempt: number;
  text: string;
  author: 'bot' | 'agent' | 'api';
}

export const createConversationActivities = ({ db, channels }: { db: Db; channels: ChannelRegistry }) => ({
  /** Loads what the conversation needs, pinned to its journey version, and marks it started. */
  async loadConversation({ conversationId }: { conversationId: string }): Promise<ConversationContext> {
    const row = await db
      .selectFrom('conversations as cv')
      .innerJoin('journey_versions as jv', (j) => j.onRef('jv.journey_id', '=', 'cv.journey_id').onRef('jv.version', '=', 'cv.journey_version'))
      .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
      .innerJoin('channels as ch', 'ch.id', 'cv.channel_id')
      .innerJoin('orgs as o', 'o.id', 'cv.org_id')
      .select(['cv.org_id', 'cv.status', 'cv.journey_id', 'cv.journey_version', 'cv.contact_id', 'cv.channel_id', 'jv.definition', 'ct.fields', 'ch.kind', 'o.settings'])
      .where('cv.id', '=', conversationId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`conversation ${conversationId} not found`);
    if (row.status === 'pending' && (await isOptedOut(db, row.contact_id, row.channel_id))) {
      await db
        .updateTable('conversations')
        .set({ status: 'skipped', outcome: 'Opted out', ended_at: new Date() })
        .where('id', '=', conversationId)
        .execute();
      row.status = 'skipped';
    }
    if (row.status === 'pending') {
      await db
        .updateTable('conversations')
        .set({ status: 'active', started_at: new Date() })
        .where('id', '=', conversationId)
        .where('status', '=', 'pending')
        .execute();
    }
    const { timeZone, locale, currency, sendWindow } = row.settings;
    return {
      skip: row.status === 'cancelled' || row.status === 'skipped' ? row.status : undefined,
      orgId: row.org_id,
      journeyId: row.journey_id,
      journeyVersion: row.journey_version,
      journey: row.definition as unknown as Journey,
      contact: row.fields,
      channelKind: row.kind,
      settings: { timeZone, locale, currency, sendWindow },
    };
  },

  /**
   * Sends once per (conversation, step, attempt): the message row is keyed on
   * it, and so is the provider call, so a retry after a crash between the
   * provider's accept and our commit finds the first send instead of repeating it.
   */
  async sendMessage(input: SendInput): Promise<{ messageId: string; providerMessageId: string }> {
    const key = `${input.conversationId}:${input.stepId}:${input.attempt}`;
    const target = await db
      .selectFrom('conversations as cv')
      .innerJoin('contacts as ct', 'ct.id', 'cv.contact_id')
      .innerJoin('channels as ch', 'ch.id', 'cv.channel_id')
      .select(['cv.org_id', 'cv.channel_id', 'cv.contact_id', 'ct.address', 'ch.kind', 'ch.config'])
      .where('cv.id', '=', input.conversationId)
      .executeTakeFirst();
    if (!target) throw new NotFoundError(`conversation ${input.conversationId} not found`);
    if (await isOptedOut(db, target.contact_id, target.channel_id)) throw new ContactStoppedError('the person opted out of this channel');
    await db
      .insertInto('messages')
      .values({
        org_id: target.org_id,
        conversation_id: input.conversationId,
        channel_id: target.channel_id,
        direction: 'out',
        author: input.author,
        body: input.text,
        status: 'pending',
        step: input.stepId,
        idempotency_key: key,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
    const message = await db
      .selectFrom('messages')
      .select(['id', 'status', 'provider_message_id'])
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
    if (message.provider_message_id) return { messageId: message.id, providerMessageId: message.provider_message_id };
    try {
      const sent = await channels(target.kind).send({
        channelId: target.channel_id,
        config: target.config,
        to: target.address,
        text: input.text,
        idempotencyKey: key,
      });
      await db
        .updateTable('messages')
        .set({ status: sent.status, provider_message_id: sent.providerMessageId, updated_at: new Date() })
        .where('id', '=', message.id)
        .execute();
      return { messageId: message.id, providerMessageId: sent.providerMessageId };
    } catch (err) {
      if (err instanceof PermanentSendError) {
        await db.updateTable('messages').set({ status: 'failed', error: err.message, updated_at: new Date() }).where('id', '=', message.id).execute();
      }
      throw err;
    }
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
    if (input.withholdMessageId) {
      await db
        .updateTable('messages')
        .set({ body: WITHHELD, updated_at: new Date() })
        .where('id', '=', input.withholdMessageId)
        .where('direction', '=', 'in')
        .execute();
    }
    await db
      .updateTable('conversations')
      .set((eb) => ({
        ...(input.status ? { status: input.status } : {}),
        ...(input.step ? { step: input.step } : {}),
        ...(input.outcome ? { outcome: input.outcome } : {}),
        ...(input.note ? { notes: sql<string>`${eb.ref('notes')} || ${JSON.stringify([input.note])}::jsonb` } : {}),
      }))
      .where('id', '=', input.conversationId)
      .where('status', 'not in', ['ended', 'cancelled', 'skipped'])
      .execute();
  },

  /**
   * Messages that reached a conversation after its journey ended. On a sender's
   * inbound workflow id they open the sender's next conversation (the one the API
   * already made, or a new one of the org's inbound journey), which the same
   * workflow id then runs; elsewhere they stay on this one as late replies.
   */
  async routeLateReplies(input: { conversationId: string; workflowId: string; messageIds: string[] }): Promise<{ successorId?: string }> {
    const ended = await db.selectFrom('conversations').select(['org_id', 'contact_id', 'channel_id', 'workflow_id']).where('id', '=', input.conversationId).executeTakeFirst();
    if (!ended || ended.workflow_id !== input.workflowId || !input.workflowId.startsWith('inbound:')) return {};
    const live = () => db.selectFrom('conversations').select('id').where('workflow_id', '=', input.workflowId).where('status', 'in', LIVE_STATUSES).executeTakeFirst();
    let successor = await live();
    if (!successor) {
      const { settings } = await db.selectFrom('orgs').select('settings').where('id', '=', ended.org_id).executeTakeFirstOrThrow();
      const journey = settings.inboundJourneyId
        ? await db.selectFrom('journeys').select(['id', 'current_version']).where('id', '=', settings.inboundJourneyId).where('org_id', '=', ended.org_id).executeTakeFirst()
        : undefined;
      if (!journey) return {};
      await db
        .insertInto('conversations')
        .values({ org_id: ended.org_id, contact_id: ended.contact_id, channel_id: ended.channel_id, journey_id: journey.id, journey_version: journey.current_version, workflow_id: input.workflowId, status: 'pending' })
        .onConflict((oc) => oc.column('workflow_id').where('status', 'in', LIVE_STATUSES).doNothing())
        .execute();
      successor = await live();
      if (!successor) return {};
    }
    await db.updateTable('messages').set({ conversation_id: successor.id, updated_at: new Date() }).where('id', 'in', input.messageIds).where('direction', '=', 'in').execute();
    return { successorId: successor.id };
  },

  async finishConversation(input: { conversationId: string; outcome?: string; reason: string }): Promise<void> {
    await db
      .updateTable('conversations')
      .set({ status: 'ended', ended_at: new Date(), ...(input.outcome ? { outcome: input.outcome } : {}) })
      .where('id', '=', input.conversationId)
      .execute();
  },
});
