import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { WebchatListener } from '../../../api/webchat-listener';
import { createChannel } from '../../../db/channels';
import { type Db, createDb } from '../../../db/database';
import { appendWebchatEvent } from '../../../db/webchat';
import { eventually, seedOrg } from '../../helpers/stack';

describe('the web chat listener', () => {
  let db: Db;
  let channelId: string;
  const app = `webchat-listener-${randomBytes(4).toString('hex')}`;
  const url = () => {
    const u = new URL(process.env.PARLEY_TEST_DATABASE_URL!);
    u.searchParams.set('application_name', app);
    return u.toString();
  };
  const backends = async () =>
    (await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${app}`.execute(db)).rows.map((r) => r.pid);
  const append = (visitorId: string) =>
    appendWebchatEvent(db, { channelId, visitorId, idempotencyKey: `k-${randomBytes(8).toString('hex')}`, author: 'business', body: 'hi' });

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    const org = await seedOrg(db);
    ({ id: channelId } = await createChannel(db, { orgId: org.orgId, kind: 'webchat', name: 'Chat', config: {} }));
  });
  afterAll(() => db?.destroy());

  it('when streams subscribe, then they share one connection, only the event owner wakes, and a dropped connection comes back', async () => {
    const listener = new WebchatListener(url(), db, { warn: () => undefined });
    const woken = { a: 0, b: 0 };
    const stops = [
      await listener.subscribe(channelId, 'v_a', () => woken.a++),
      await listener.subscribe(channelId, 'v_a', () => woken.a++),
      await listener.subscribe(channelId, 'v_b', () => woken.b++),
    ];
    expect(await backends()).toHaveLength(1);
    expect(listener.openStreams(channelId, 'v_a')).toBe(2);

    await append('v_a');
    await eventually(async () => (woken.a === 2 ? true : undefined), 10_000, 'both streams of v_a to wake');
    expect(woken.b).toBe(0);

    // Dropped: every stream wakes (it may have missed an event), and the listener listens again.
    const [pid] = await backends();
    await sql`select pg_terminate_backend(${pid})`.execute(db);
    await eventually(async () => (woken.b === 2 ? true : undefined), 10_000, 'v_b to wake on the drop and again once listening');
    await eventually(
      async () => {
        const now = await backends();
        return now.length === 1 && now[0] !== pid ? true : undefined;
      },
      10_000,
      'one new connection',
    );
    const before = { ...woken };
    await append('v_b');
    await eventually(async () => (woken.b === before.b + 1 ? true : undefined), 10_000, 'v_b to wake on its event');
    expect(woken.a).toBe(before.a);

    stops.forEach((stop) => stop());
    expect(listener.openStreams(channelId, 'v_a')).toBe(0);
    await eventually(async () => ((await backends()).length === 0 ? true : undefined), 10_000, 'the connection to close');
  });
});
