import type { Db } from '../db/database';
import { getChannel } from '../db/channels';
import { findJourney } from '../db/journeys';
import { UnknownReferenceError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** The org's channel named in a request's `field`; an UnknownReferenceError when it has none. */
export async function channelFor(db: Db, orgId: string, channelId: string, field = 'channelId') {
  const channel = isUuid(channelId) ? await getChannel(db, orgId, channelId) : undefined;
  if (!channel) throw new UnknownReferenceError(field, 'channel');
  return channel;
}

/** The org's journey named in a request's `field`; an UnknownReferenceError when it has none. */
export async function journeyFor(db: Db, orgId: string, journeyId: string, field = 'journeyId') {
  const journey = isUuid(journeyId) ? await findJourney(db, orgId, journeyId) : undefined;
  if (!journey) throw new UnknownReferenceError(field, 'journey');
  return journey;
}
