import { type Db, createDb } from '../../../db/database';
import { admitEnrichment, recordEnrichmentFailure, recordEnrichmentSuccess } from '../../../db/enrichment-breakers';
import { seedOrg } from '../../helpers/stack';

const settings = { failures: 3, openMs: 10_000, probeLeaseMs: 5_000 };
const t0 = new Date('2030-01-01T00:00:00Z');
const after = (ms: number) => new Date(t0.getTime() + ms);

describe('enrichment circuit breaker', () => {
  let db: Db;
  beforeAll(() => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 4);
  });
  afterAll(() => db.destroy());

  const openOrg = async () => {
    const { orgId } = await seedOrg(db);
    for (let i = 0; i < settings.failures; i++) await recordEnrichmentFailure(db, orgId, t0, settings);
    return orgId;
  };

  it('when failures stay under the threshold, then callers still call, and a success resets the count', async () => {
    const { orgId } = await seedOrg(db);
    expect(await admitEnrichment(db, orgId, t0, settings)).toEqual({ kind: 'call' });
    expect(await recordEnrichmentFailure(db, orgId, t0, settings)).toBe('closed');
    expect(await recordEnrichmentFailure(db, orgId, t0, settings)).toBe('closed');
    await recordEnrichmentSuccess(db, orgId);
    expect(await recordEnrichmentFailure(db, orgId, t0, settings)).toBe('closed');
    expect(await admitEnrichment(db, orgId, t0, settings)).toEqual({ kind: 'call' });
  });

  it('when the threshold is reached, then callers wait until the open period ends', async () => {
    const orgId = await openOrg();
    expect(await admitEnrichment(db, orgId, after(9_999), settings)).toEqual({ kind: 'wait', retryAt: after(10_000) });
  });

  it('when many callers race on an open breaker whose time is up, then exactly one gets the probe', async () => {
    const orgId = await openOrg();
    const answers = await Promise.all(Array.from({ length: 8 }, () => admitEnrichment(db, orgId, after(10_000), settings)));
    expect(answers.filter((a) => a.kind === 'probe')).toHaveLength(1);
    expect(answers.filter((a) => a.kind === 'wait')).toHaveLength(7);
  });

  it('when the probe succeeds, then the breaker closes', async () => {
    const orgId = await openOrg();
    expect(await admitEnrichment(db, orgId, after(10_000), settings)).toEqual({ kind: 'probe' });
    await recordEnrichmentSuccess(db, orgId);
    expect(await admitEnrichment(db, orgId, after(10_001), settings)).toEqual({ kind: 'call' });
  });

  it('when the probe fails, then the breaker reopens for another period', async () => {
    const orgId = await openOrg();
    expect(await admitEnrichment(db, orgId, after(10_000), settings)).toEqual({ kind: 'probe' });
    expect(await recordEnrichmentFailure(db, orgId, after(10_500), settings)).toBe('open');
    expect(await admitEnrichment(db, orgId, after(20_499), settings)).toEqual({ kind: 'wait', retryAt: after(20_500) });
    expect(await admitEnrichment(db, orgId, after(20_500), settings)).toEqual({ kind: 'probe' });
  });

  it('when the probe never reports, then after its lease another caller may probe', async () => {
    const orgId = await openOrg();
    expect(await admitEnrichment(db, orgId, after(10_000), settings)).toEqual({ kind: 'probe' });
    expect(await admitEnrichment(db, orgId, after(14_999), settings)).toEqual({ kind: 'wait', retryAt: after(15_000) });
    expect(await admitEnrichment(db, orgId, after(15_000), settings)).toEqual({ kind: 'probe' });
  });
});
