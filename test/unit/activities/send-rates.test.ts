import { sendRate } from '../../../activities/deliver';
import { channelCreateSchema } from '../../../channels/schemas';
import { createChannel } from '../../../db/channels';
import { type Db, createDb } from '../../../db/database';
import { type SendRate, type SendSlot, takeRequestSlot, takeSendSlot } from '../../../db/send-rates';
import { seedOrg } from '../../helpers/stack';

const T0 = Date.parse('2026-11-23T12:00:00Z');
type Call = [atMs: number, expected: SendSlot];

const cases: { name: string; rate: SendRate; maxWaitMs: number; calls: Call[] }[] = [
  {
    name: '5/s without a burst: slots 200 ms apart, none booked beyond the wait allowed',
    rate: { perSecond: 5, burst: 1 },
    maxWaitMs: 1000,
    calls: [
      [0, { waitMs: 0 }],
      [0, { waitMs: 200 }],
      [0, { waitMs: 400 }],
      [0, { waitMs: 600 }],
      [0, { waitMs: 800 }],
      [0, { waitMs: 1000 }],
      [0, { retryInMs: 200 }],
      [0, { retryInMs: 200 }],
      [150, { retryInMs: 50 }],
      [200, { waitMs: 1000 }],
    ],
  },
  {
    name: '10/s with a burst of 3: three at once, then 100 ms apart',
    rate: { perSecond: 10, burst: 3 },
    maxWaitMs: 1000,
    calls: [
      [0, { waitMs: 0 }],
      [0, { waitMs: 0 }],
      [0, { waitMs: 0 }],
      [0, { waitMs: 100 }],
      [0, { waitMs: 200 }],
    ],
  },
  {
    name: 'a quiet spell earns no more than the burst',
    rate: { perSecond: 10, burst: 2 },
    maxWaitMs: 0,
    calls: [
      [0, { waitMs: 0 }],
      [60_000, { waitMs: 0 }],
      [60_000, { waitMs: 0 }],
      [60_000, { retryInMs: 100 }],
      [60_100, { waitMs: 0 }],
    ],
  },
  {
    name: '1/s with no wait allowed: one a second',
    rate: { perSecond: 1, burst: 1 },
    maxWaitMs: 0,
    calls: [
      [0, { waitMs: 0 }],
      [0, { retryInMs: 1000 }],
      [999, { retryInMs: 1 }],
      [1000, { waitMs: 0 }],
      [1500, { retryInMs: 500 }],
    ],
  },
  {
    name: 'a clock that went back (another server) waits for the booked slot',
    rate: { perSecond: 2, burst: 1 },
    maxWaitMs: 5000,
    calls: [
      [10_000, { waitMs: 0 }],
      [9_000, { waitMs: 1500 }],
    ],
  },
];

describe('the send rate limiter (GCRA on send_rates)', () => {
  let db: Db;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  const newChannel = async () =>
    (await createChannel(db, { orgId: org.orgId, kind: 'sandbox', name: 'Rate', config: { webhookSecret: 'x'.repeat(32) } })).id;
  const round = (slot: SendSlot): SendSlot =>
    'waitMs' in slot ? { waitMs: Math.round(slot.waitMs) } : { retryInMs: Math.round(slot.retryInMs) };

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 4);
    org = await seedOrg(db);
  });
  afterAll(() => db?.destroy());

  it.each(cases)('when $name', async ({ rate, maxWaitMs, calls }) => {
    const channelId = await newChannel();
    const got: Call[] = [];
    for (const [at] of calls) got.push([at, round(await takeSendSlot(db, channelId, rate, maxWaitMs, new Date(T0 + at)))]);
    expect(got).toEqual(calls);
  });

  it('when many workers ask at the same moment, then each gets a slot of its own', async () => {
    const channelId = await newChannel();
    const at = new Date(T0);
    const slots = await Promise.all(Array.from({ length: 20 }, () => takeSendSlot(db, channelId, { perSecond: 10, burst: 1 }, 60_000, at)));
    const waits = slots.map((s) => ('waitMs' in s ? Math.round(s.waitMs) : -1)).sort((a, b) => a - b);
    expect(waits).toEqual(Array.from({ length: 20 }, (_, i) => i * 100));
  });

  it("when no time is given, then the database's clock decides", async () => {
    const channelId = await newChannel();
    const rate = { perSecond: 1, burst: 1 };
    const [first, second, third] = [
      await takeSendSlot(db, channelId, rate, 1000),
      await takeSendSlot(db, channelId, rate, 1000),
      await takeSendSlot(db, channelId, rate, 1000),
    ];
    expect(first).toEqual({ waitMs: 0 });
    expect('waitMs' in second && second.waitMs > 0 && second.waitMs <= 1000).toBe(true);
    expect('retryInMs' in third && third.retryInMs > 0 && third.retryInMs <= 1000).toBe(true);
  });

  it('when a channel has its own ratePerSecond, then it wins over the provider default; bad values are refused', () => {
    expect(sendRate('whatsapp', {})).toEqual({ perSecond: 80, burst: 8 });
    expect(sendRate('twilio', {})).toEqual({ perSecond: 1, burst: 1 });
    expect(sendRate('twilio', { ratePerSecond: 30 })).toEqual({ perSecond: 30, burst: 3 });
    const create = (ratePerSecond: unknown) =>
      channelCreateSchema().safeParse({ kind: 'sandbox', name: 'S', config: { webhookSecret: 'x'.repeat(32), ratePerSecond } }).success;
    expect([create(5), create(0.5), create(0), create(-1), create('5'), create(5000)]).toEqual([true, true, false, false, false, false]);
  });
});

describe("an API key's request schedule (GCRA on key_rates, shared by every API process)", () => {
  let db: Db;
  beforeAll(() => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 4);
  });
  afterAll(() => db?.destroy());
  const newKey = async () => {
    const org = await seedOrg(db);
    return (await db.selectFrom('api_keys').select('id').where('org_id', '=', org.orgId).executeTakeFirstOrThrow()).id;
  };
  const outcome = (slot: SendSlot) => ('waitMs' in slot ? 'ok' : Math.round(slot.retryInMs));

  it('when a key spends its burst, then it is refused with the wait until one request refills at the rate', async () => {
    const key = await newKey();
    const other = await newKey();
    const at = async (ms: number) => outcome(await takeRequestSlot(db, key, { perSecond: 2, burst: 3 }, new Date(T0 + ms)));
    expect([await at(0), await at(0), await at(0), await at(0)]).toEqual(['ok', 'ok', 'ok', 500]);
    expect(outcome(await takeRequestSlot(db, other, { perSecond: 2, burst: 3 }, new Date(T0)))).toBe('ok');
    expect(await at(499)).toBe(1);
    expect(await at(500)).toBe('ok');
    expect(await at(500)).toBe(500);
    expect([await at(100_000), await at(100_000), await at(100_000), await at(100_000)]).toEqual(['ok', 'ok', 'ok', 500]);
  });

  it('when processes ask at the same moment, then the key gets its burst once between them', async () => {
    const key = await newKey();
    const asks = await Promise.all(Array.from({ length: 10 }, () => takeRequestSlot(db, key, { perSecond: 0.1, burst: 4 }, new Date(T0))));
    expect(asks.filter((s) => 'waitMs' in s)).toHaveLength(4);
    expect(asks.filter((s) => 'retryInMs' in s).map((s) => outcome(s))).toEqual(Array(6).fill(10_000));
  });
});
