import { failedAuditLimiter } from '../../../api/auth';

describe('the cap on failed-auth audit rows', () => {
  it('when one IP fails more than the cap in a minute, then only the cap is audited, other IPs unaffected, and the next minute starts again', () => {
    const limit = failedAuditLimiter(3);
    const t0 = 1_000_000;
    const first = Array.from({ length: 5 }, (_, i) => limit.allow('10.0.0.1', t0 + i));
    expect(first).toEqual([true, true, true, false, false]);
    expect(limit.allow('10.0.0.2', t0 + 10)).toBe(true);
    expect(limit.allow('10.0.0.1', t0 + 59_999)).toBe(false);
    expect(limit.allow('10.0.0.1', t0 + 60_000)).toBe(true);
  });
});
