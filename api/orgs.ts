import type { Db } from '../db/database';
import type { OrgSettings } from '../db/tables/org.table';
import { generateApiKey } from './keys';

export const DEFAULT_SETTINGS: OrgSettings = {
  defaultCountry: 'GB',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  currency: 'GBP',
  outcomes: [
    'Completed',
    'Promise to pay',
    'Payment link sent',
    'Paid',
    'Confirmed',
    'Cancelled',
    'Reschedule requested',
    'Callback requested',
    'Failed ID&V',
    'Handled by agent',
    'Handed to agent',
    'Resolved by bot',
  ],
};

/** Creates an org with a sandbox channel and an API key (shown once). */
export async function provisionOrg(db: Db, name: string, settings: Partial<OrgSettings> = {}) {
  return db.transaction().execute(async (trx) => {
    const org = await trx
      .insertInto('orgs')
      .values({ name, settings: JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const channel = await trx
      .insertInto('channels')
      .values({ org_id: org.id, kind: 'sandbox', name: 'Sandbox', config: JSON.stringify({}) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const key = generateApiKey();
    await trx.insertInto('api_keys').values({ org_id: org.id, prefix: key.prefix, hash: key.hash, name: 'default' }).execute();
    return { orgId: org.id, channelId: channel.id, apiKey: key.key };
  });
}
