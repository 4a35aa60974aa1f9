import type { Request, Response } from 'express';
import { keyRateLimit } from '../../../api/rate-limit';
import { HttpError } from '../../../api/problem';
import { signingKeys, loadConfig } from '../../../config';
import { routeFor } from '../../../api/roles';

const request = (keyId: string) => ({ caller: { orgId: 'o', keyId, keyPrefix: 'pk_x', role: 'ops', via: 'key' } }) as unknown as Request;

describe('per-key token bucket', () => {
  const call = (limit: ReturnType<typeof keyRateLimit>, keyId: string) => {
    const headers: Record<string, string> = {};
    const res = { setHeader: (k: string, v: string) => (headers[k] = v) } as unknown as Response;
    let passed = false;
    try {
      void limit(request(keyId), res, () => (passed = true));
      return { status: passed ? 200 : 0, headers };
    } catch (err) {
      return { status: (err as HttpError).status, headers };
    }
  };

  it('when a key spends its burst, then it is 429 with Retry-After until the bucket refills at the rate', () => {
    let now = 0;
    const limit = keyRateLimit({ perSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => call(limit, 'a').status)).toEqual([200, 200, 200, 429]);
    expect(call(limit, 'a').headers['Retry-After']).toBe('1');
    expect(call(limit, 'b').status).toBe(200);
    now = 499;
    expect(call(limit, 'a').status).toBe(429);
    now = 500;
    expect(call(limit, 'a').status).toBe(200);
    expect(call(limit, 'a').status).toBe(429);
    now = 100_000;
    expect([1, 2, 3, 4].map(() => call(limit, 'a').status)).toEqual([200, 200, 200, 429]);
  });

  it('when the rate is below one a second, then Retry-After is the whole wait, rounded up', () => {
    const limit = keyRateLimit({ perSecond: 0.1, burst: 1, now: () => 0 });
    call(limit, 'a');
    expect(call(limit, 'a')).toEqual({ status: 429, headers: { 'Retry-After': '10' } });
  });
});

describe('routes and signing keys', () => {
  it('when a concrete path is matched, then its template has :params and no query, and an undeclared one has none', () => {
    expect(routeFor('GET', '/v1/campaigns/3f1c/import-report')).toMatchObject({ template: '/v1/campaigns/:id/import-report', role: 'ops' });
    expect(routeFor('HEAD', '/v1/channels')).toMatchObject({ template: '/v1/channels', role: 'readonly' });
    expect(routeFor('DELETE', '/v1/journeys/3f1c')).toBeUndefined();
    expect(routeFor('GET', '/v1/campaigns/a/b')).toBeUndefined();
  });

  it('when generations are listed, then the first signs, each has its own secret, and generation 1 is the original secret', () => {
    const base = loadConfig({}, { JWT_SECRET: 'x'.repeat(32) });
    const keys = signingKeys({ ...base, JWT_KEY_GENERATIONS: ['3', '2', '1'] });
    expect(keys.current.kid).toBe('3');
    expect(keys.accepted.get('1')).toBe('x'.repeat(32));
    expect(new Set(keys.accepted.values()).size).toBe(3);
    expect(signingKeys({ ...base, JWT_KEY_GENERATIONS: ['2'] }).accepted.get('2')).toBe(keys.accepted.get('2'));
    expect(() => loadConfig({ JWT_KEY_GENERATIONS: '2,x' })).toThrow(/JWT_KEY_GENERATIONS/);
  });
});
