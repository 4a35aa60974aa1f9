import { signingKeys, loadConfig } from '../../../config';
import { routeFor } from '../../../api/roles';

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
