import { sql } from 'kysely';
import type { ChannelKind } from '../channels/provider';
import type { DsrIdentity } from '../platform/dsr/identity';
import { openFor, openRows } from './data-keys';
import type { Db } from './database';
import { LIVE_STATUSES } from './tables/conversation.table';

/** The org's contacts a request's identity names: a phone may be a contact on several channels. */
export async function subjectContactIds(db: Db, orgId: string, identity: DsrIdentity): Promise<string[]> {
  let q = db.selectFrom('contacts').select('id').where('org_id', '=', orgId);
  if ('contactId' in identity) q = q.where('id', '=', identity.contactId);
  else if ('phone' in identity) q = q.where('address', '=', identity.phone);
  else q = q.where(sql<string>`fields->>'customerRef'`, '=', identity.customerRef);
  return (await q.orderBy('created_at').orderBy('id').execute()).map((r) => r.id);
}

export async function storeDsrBundle(db: Db, orgId: string, requestId: string, bytes: Buffer): Promise<string> {
  const row = await db
    .insertInto('dsr_bundles')
    .values({ org_id: orgId, request_id: requestId, bytes })
    .onConflict((oc) => oc.column('request_id').doUpdateSet({ bytes }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function getDsrBundle(db: Db, orgId: string, requestId: string) {
  return db
    .selectFrom('dsr_bundles')
    .select(['id', 'bytes', 'created_at'])
    .where('org_id', '=', orgId)
    .where('request_id', '=', requestId)
    .executeTakeFirst();
}

const none = ['00000000-0000-0000-0000-000000000000'];
const orNone = (ids: string[]) => (ids.length ? ids : none);

/** Everything the org holds about these contacts, each list scoped to the org and to them alone. */
export async function subjectData(db: Db, orgId: string, contactIds: string[]) {
  const ids = orNone(contactIds);
  const contacts = await db
    .selectFrom('contacts')
    .select(['id', 'channel_id', 'address', 'fields', 'created_at', 'updated_at', 'restricted_at'])
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .orderBy('created_at')
    .execute();
  const conversations = await db
    .selectFrom('conversations')
    .select(['id', 'contact_id', 'campaign_id', 'channel_id', 'journey_id', 'journey_version', 'status', 'outcome', 'step', 'notes'])
    // The outcome-propensity score is profiling of the person: they have a right to see it.
    .select(['propensity', 'created_at', 'started_at', 'ended_at'])
    .where('org_id', '=', orgId)
    .where('contact_id', 'in', ids)
    .orderBy('created_at')
    .execute();
  const conversationIds = orNone(conversations.map((c) => c.id));
  const messages = await db
    .selectFrom('messages')
    .select(['id', 'conversation_id', 'direction', 'author', 'body', 'status', 'step', 'error', 'created_at', 'status_at'])
    .where('org_id', '=', orgId)
    .where('conversation_id', 'in', conversationIds)
    .orderBy('seq')
    .execute();
  const consents = await db
    .selectFrom('consents')
    .select(['id', 'contact_id', 'channel_id', 'status', 'purpose', 'source', 'message_id', 'created_at'])
    .where('org_id', '=', orgId)
    .where('contact_id', 'in', ids)
    .orderBy('created_at')
    .execute();
  const campaignIds = orNone([...new Set(conversations.map((c) => c.campaign_id).filter((c): c is string => c !== null))]);
  const campaigns = await db
    .selectFrom('campaigns')
    .select(['id', 'name', 'status', 'created_at', 'completed_at'])
    .where('org_id', '=', orgId)
    .where('id', 'in', campaignIds)
    .orderBy('created_at')
    .execute();
  const deliveries = await db
    .selectFrom('events as e')
    .leftJoin('webhook_deliveries as d', 'd.event_id', 'e.id')
    .select(['e.id as event_id', 'e.type', 'e.occurred_at', 'e.conversation_id', 'd.endpoint_id', 'd.status', 'd.attempts', 'd.last_error'])
    .where('e.org_id', '=', orgId)
    .where((eb) => eb.or([eb('e.contact_id', 'in', ids), eb('e.conversation_id', 'in', conversationIds)]))
    .orderBy('e.position')
    .execute();
  // Bodies and notes are sealed at rest; the bundle is for the person, in plaintext.
  const opened = await Promise.all(
    conversations.map(async (c) => ({ ...c, notes: await Promise.all(c.notes.map((n) => openFor(db, orgId, n))) })),
  );
  return { contacts, conversations: opened, messages: await openRows(db, orgId, messages, ['body']), consents, campaigns, deliveries };
}

export type SubjectData = Awaited<ReturnType<typeof subjectData>>;

/**
 * Removes the person's rows and overwrites what must stay: their contacts go (conversations, messages
 * and consents with them, by cascade); their events keep only ids; the webhook log keeps no response
 * body of those events; copies of their address elsewhere (sandbox outbox, inbound queue, import
 * reports, idempotent answers) go too. One transaction, so an erasure is whole or not at all.
 */
export async function eraseSubjectRows(db: Db, orgId: string, contactIds: string[]): Promise<{ contacts: number }> {
  if (contactIds.length === 0) return { contacts: 0 };
  return db.transaction().execute(async (trx) => {
    const contacts = await trx
      .selectFrom('contacts')
      .select(['id', 'channel_id', 'address'])
      .where('org_id', '=', orgId)
      .where('id', 'in', contactIds)
      .execute();
    if (contacts.length === 0) return { contacts: 0 };
    const ids = contacts.map((c) => c.id);
    const addresses = [...new Set(contacts.map((c) => c.address))];
    const channelIds = [...new Set(contacts.map((c) => c.channel_id))];
    const conversationIds = orNone(
      (await trx.selectFrom('conversations').select('id').where('contact_id', 'in', ids).execute()).map((c) => c.id),
    );
    // An inbound message's event is recorded before it is routed: only its message id ties it to them.
    const messageIds = trx
      .selectFrom('messages')
      .select(sql<string>`id::text`.as('id'))
      .where('org_id', '=', orgId)
      .where('conversation_id', 'in', conversationIds);
    const events = trx
      .selectFrom('events')
      .select('id')
      .where('org_id', '=', orgId)
      .where((eb) =>
        eb.or([
          eb('contact_id', 'in', ids),
          eb('conversation_id', 'in', conversationIds),
          eb(sql<string>`data->>'messageId'`, 'in', messageIds),
        ]),
      );
    await trx.updateTable('webhook_attempts').set({ response_body: null }).where('event_id', 'in', events).execute();
    await trx
      .updateTable('events')
      .set({ data: JSON.stringify({ redacted: true }), contact_id: null })
      .where('id', 'in', events)
      .execute();
    // Unrouted inbound messages from them: only the queue links them to the address.
    const queued = trx
      .selectFrom('inbound_queue')
      .select('message_id')
      .where('org_id', '=', orgId)
      .where('channel_id', 'in', channelIds)
      .where('address', 'in', addresses);
    await trx.deleteFrom('messages').where('id', 'in', queued).where('conversation_id', 'is', null).execute();
    await trx.deleteFrom('inbound_queue').where('org_id', '=', orgId).where('address', 'in', addresses).execute();
    await trx.deleteFrom('sandbox_outbox').where('channel_id', 'in', channelIds).where('address', 'in', addresses).execute();
    for (const a of addresses) {
      const like = `%${a.replace(/[\\%_]/g, '\\$&')}%`;
      await trx.deleteFrom('import_rejections').where('org_id', '=', orgId).where('detail', 'like', like).execute();
      await trx.deleteFrom('idempotency_keys').where('org_id', '=', orgId).where('response', 'like', like).execute();
    }
    await trx.deleteFrom('contacts').where('id', 'in', ids).execute();
    return { contacts: ids.length };
  });
}

/** The live conversations' workflows of these contacts, to end before their rows go. */
export async function subjectWorkflowIds(db: Db, orgId: string, contactIds: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('conversations')
    .select('workflow_id')
    .distinct()
    .where('org_id', '=', orgId)
    .where('contact_id', 'in', orNone(contactIds))
    .execute();
  return rows.map((r) => r.workflow_id);
}

/** The workflows of the contacts' live conversations. */
export async function liveWorkflowIds(db: Db, orgId: string, contactIds: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('conversations')
    .select('workflow_id')
    .where('org_id', '=', orgId)
    .where('contact_id', 'in', orNone(contactIds))
    .where('status', 'in', LIVE_STATUSES)
    .execute();
  return rows.map((r) => r.workflow_id);
}

export async function rectifyContacts(db: Db, orgId: string, contactIds: string[], fields: Record<string, string>): Promise<number> {
  const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));
  const removed = Object.keys(fields).filter((k) => fields[k] === '');
  const r = await db
    .updateTable('contacts')
    .set({
      fields: sql`(fields - ${sql.val(removed)}::text[]) || ${JSON.stringify(set)}::jsonb`,
      updated_at: new Date(),
    })
    .where('org_id', '=', orgId)
    .where('id', 'in', orNone(contactIds))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function setRestriction(db: Db, orgId: string, contactIds: string[], restricted: boolean): Promise<number> {
  const r = await db
    .updateTable('contacts')
    .set({ restricted_at: restricted ? new Date() : null, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', 'in', orNone(contactIds))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * An objection in the consent ledger: one row per contact whose channel is of the kind objected to.
 * Without a purpose it is an opt-out of the channel; with one, it covers that purpose only.
 */
export async function recordObjection(
  db: Db,
  orgId: string,
  contactIds: string[],
  scope: { channelKind?: string; purpose?: 'marketing' | 'service' },
): Promise<number> {
  let q = db
    .selectFrom('contacts as c')
    .innerJoin('channels as ch', 'ch.id', 'c.channel_id')
    .select(['c.org_id', 'c.channel_id', 'c.id as contact_id'])
    .where('c.org_id', '=', orgId)
    .where('c.id', 'in', orNone(contactIds));
  if (scope.channelKind) q = q.where('ch.kind', '=', scope.channelKind as ChannelKind);
  const targets = await q.execute();
  if (targets.length === 0) return 0;
  await db
    .insertInto('consents')
    .values(targets.map((t) => ({ ...t, status: 'opted_out' as const, source: 'api' as const, purpose: scope.purpose ?? null })))
    .execute();
  return targets.length;
}
