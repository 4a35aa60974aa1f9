import { sql } from 'kysely';
import { createChannel } from '../../../db/channels';
import { type Db, createDb } from '../../../db/database';
import { pruneDeliveryRecords } from '../../../db/housekeeping';
import { seedOrg } from '../../helpers/stack';

describe('pruning delivery records', () => {
  let db: Db;
  let channelId: string;

  const attempt = (key: string, daysOld: number) =>
    sql`insert into send_attempts (idempotency_key, channel_id, started_at) values (${key}, ${channelId}, now() - ${daysOld} * interval '1 day')`.execute(
      db,
    );
  const early = (id: string, daysOld: number) =>
    sql`insert into pending_statuses (channel_id, provider_message_id, status, created_at) values (${channelId}, ${id}, 'delivered', now() - ${daysOld} * interval '1 day')`.execute(
      db,
    );
  const left = async () => ({
    attempts: (
      await db
        .selectFrom('send_attempts')
        .select('idempotency_key')
        .where('channel_id', '=', channelId)
        .orderBy('idempotency_key')
        .execute()
    ).map((r) => r.idempotency_key),
    statuses: (
      await db
        .selectFrom('pending_statuses')
        .select('provider_message_id')
        .where('channel_id', '=', channelId)
        .orderBy('provider_message_id')
        .execute()
    ).map((r) => r.provider_message_id),
  });

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    const org = await seedOrg(db);
    ({ id: channelId } = await createChannel(db, {
      orgId: org.orgId,
      kind: 'sandbox',
      name: 'Prune',
      config: { webhookSecret: 'x'.repeat(32) },
    }));
  });
  afterAll(() => db.destroy());

  it('when records are older than the limit, then they go, and younger ones stay', async () => {
    await attempt(`prune-old-${channelId}`, 8);
    await attempt(`prune-new-${channelId}`, 6);
    await early('wamid.prune-old', 8);
    await early('wamid.prune-new', 1);
    const deleted = await pruneDeliveryRecords(db, 7);
    expect(deleted.sendAttempts).toBeGreaterThanOrEqual(1);
    expect(deleted.pendingStatuses).toBeGreaterThanOrEqual(1);
    expect(await left()).toEqual({ attempts: [`prune-new-${channelId}`], statuses: ['wamid.prune-new'] });
  });
});
