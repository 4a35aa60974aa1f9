import type { Db } from '../db/database';
import { HttpError, notFound } from './problem';

/** An org-scoped lookup of something named in a request body: missing is a 422 naming the field. */
export async function channelFor(db: Db, orgId: string, channelId: string, field = 'channelId') {
  const channel = isUuid(channelId)
    ? await db.selectFrom('channels').selectAll().where('id', '=', channelId).where('org_id', '=', orgId).executeTakeFirst()
    : undefined;
  if (!channel) throw new HttpError(422, 'Unknown reference', `${field}: no such channel`, [{ field, message: 'no such channel' }]);
  return channel;
}

export async function journeyFor(db: Db, orgId: string, journeyId: string, field = 'journeyId') {
  const journey = isUuid(journeyId)
    ? await db.selectFrom('journeys').selectAll().where('id', '=', journeyId).where('org_id', '=', orgId).executeTakeFirst()
    : undefined;
  if (!journey) throw new HttpError(422, 'Unknown reference', `${field}: no such journey`, [{ field, message: 'no such journey' }]);
  return journey;
}

export async function orgSettings(db: Db, orgId: string) {
  const org = await db.selectFrom('orgs').select('settings').where('id', '=', orgId).executeTakeFirstOrThrow();
  return org.settings;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** A path id that is not a uuid, or belongs to another org, is simply not found. */
export function pathId(value: string | string[] | undefined, what: string): string {
  if (typeof value !== 'string' || !isUuid(value)) throw notFound(what);
  return value.toLowerCase();
}
