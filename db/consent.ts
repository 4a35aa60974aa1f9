import { sql } from 'kysely';
import { type Db, anyOf } from './database';
import type { ConsentStatus, ConsentTable } from './tables/consent.table';

/** Whether the person's latest word on this channel was STOP. */
export async function isOptedOut(db: Db, contactId: string, channelId: string): Promise<boolean> {
  const latest = await db
    .selectFrom('consents')
    .select('status')
    .where('contact_id', '=', contactId)
    .where('channel_id', '=', channelId)
    // An objection to one purpose is not a STOP.
    .where('purpose', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return latest?.status === 'opted_out';
}

/** A person's STOP or START; recorded once per message, an opt-out with its event in the same statement. */
export async function recordConsent(
  db: Db,
  consent: {
    orgId: string;
    channelId: string;
    contactId: string;
    status: ConsentStatus;
    source: ConsentTable['source'];
    messageId?: string;
  },
): Promise<void> {
  await db
    .with('recorded', (qb) =>
      qb
        .insertInto('consents')
        .values({
          org_id: consent.orgId,
          channel_id: consent.channelId,
          contact_id: consent.contactId,
          status: consent.status,
          source: consent.source,
          message_id: consent.messageId ?? null,
        })
        .onConflict((oc) => oc.column('message_id').doNothing())
        .returning(['org_id', 'channel_id', 'contact_id', 'status', 'source', 'message_id']),
    )
    .insertInto('events')
    .columns(['org_id', 'type', 'contact_id', 'sequence', 'data'])
    .expression((eb) =>
      eb
        .selectFrom('recorded as r')
        .select([
          'r.org_id',
          sql<string>`'contactOptedOut'`.as('type'),
          'r.contact_id',
          sql<number>`0`.as('sequence'),
          sql<string>`jsonb_build_object('contactId', r.contact_id, 'channelId', r.channel_id, 'source', r.source, 'messageId', r.message_id)`.as(
            'data',
          ),
        ])
        .where('r.status', '=', 'opted_out'),
    )
    .execute();
}

/** Of these addresses on the channel, those whose latest word was STOP; one query for the lot. */
export async function optedOutAddresses(db: Db, orgId: string, channelId: string, addresses: string[]): Promise<Set<string>> {
  if (addresses.length === 0) return new Set();
  const rows = await db
    .selectFrom('contacts as c')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('consents')
          .select('status')
          .whereRef('contact_id', '=', 'c.id')
          .where('channel_id', '=', channelId)
          .where('purpose', 'is', null)
          .orderBy('created_at', 'desc')
          .limit(1)
          .as('latest'),
      (join) => join.onTrue(),
    )
    .select('c.address')
    .where('c.org_id', '=', orgId)
    .where('c.channel_id', '=', channelId)
    .where('c.address', '=', anyOf(addresses))
    .where('latest.status', '=', 'opted_out')
    .execute();
  return new Set(rows.map((r) => r.address));
}
