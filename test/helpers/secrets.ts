import type { Db } from '../../db/database';
import { isSealed, secretBox } from '../../platform/secrets';

/** A fixed key, so that recorded histories can be decoded by the replay test. Test data only. */
export const TEST_MASTER_KEY = 'cGFybGV5IHRlc3Qga2V5LCBub3QgZm9yIHByb2QhISE=';

/** The box the test stacks seal channel secrets with. */
export const testSecrets = secretBox(Buffer.from(TEST_MASTER_KEY, 'base64'));

/** A channel's secret field, opened as the webhook route opens it. */
export async function channelSecret(db: Db, channelId: string, field = 'webhookSecret'): Promise<string> {
  const { config } = await db.selectFrom('channels').select('config').where('id', '=', channelId).executeTakeFirstOrThrow();
  const value = config[field];
  if (!isSealed(value)) throw new Error(`the channel's ${field} is not sealed`);
  return testSecrets.open(field, value);
}
