import { randomUUID } from 'node:crypto';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';

type Role = 'admin' | 'ops' | 'agent' | 'readonly';
const ALL: Role[] = ['admin', 'ops', 'agent', 'readonly'];
const ADMIN: Role[] = ['admin'];
const OPS: Role[] = ['admin', 'ops'];
const AGENT: Role[] = ['admin', 'agent'];

// The matrix, written out apart from api/roles.ts: a route added to the API without a line here fails the test.
const ALLOWED: Record<string, Role[]> = {
  'POST /v1/auth/token': ALL,
  'GET /v1/org': ALL,
  'PATCH /v1/org': ADMIN,
  'POST /v1/org/enrichment-secret/rotate': ADMIN,
  'POST /v1/org/offboard': ADMIN,
  'GET /v1/keys': ADMIN,
  'POST /v1/keys': ADMIN,
  'DELETE /v1/keys/{id}': ADMIN,
  'GET /v1/request-log': ADMIN,
  'GET /v1/audit-log': ADMIN,
  'GET /v1/webhooks/schemas': ALL,
  'GET /v1/webhooks': ADMIN,
  'POST /v1/webhooks': ADMIN,
  'GET /v1/webhooks/{id}': ADMIN,
  'DELETE /v1/webhooks/{id}': ADMIN,
  'POST /v1/webhooks/{id}/pause': ADMIN,
  'POST /v1/webhooks/{id}/resume': ADMIN,
  'POST /v1/webhooks/{id}/rotate-secret': ADMIN,
  'GET /v1/webhooks/{id}/deliveries': ADMIN,
  'POST /v1/webhooks/{id}/replay': ADMIN,
  'POST /v1/data-subject-requests': ADMIN,
  'GET /v1/data-subject-requests': ADMIN,
  'GET /v1/data-subject-requests/{id}': ADMIN,
  'POST /v1/data-subject-requests/{id}/cancel': ADMIN,
  'GET /v1/data-subject-requests/{id}/bundle': ADMIN,
  'GET /v1/journeys': ALL,
  'POST /v1/journeys': OPS,
  'GET /v1/journeys/{id}': ALL,
  'PUT /v1/journeys/{id}': OPS,
  'POST /v1/campaigns': OPS,
  'POST /v1/campaigns/{id}/contacts': OPS,
  'GET /v1/campaigns/{id}': ALL,
  'GET /v1/campaigns/{id}/priorities': ALL,
  'GET /v1/campaigns/{id}/import-report': OPS,
  'POST /v1/campaigns/{id}/pause': OPS,
  'POST /v1/campaigns/{id}/resume': OPS,
  'POST /v1/campaigns/{id}/cancel': OPS,
  'POST /v1/campaigns/{id}/legal-hold': ADMIN,
  'DELETE /v1/campaigns/{id}/legal-hold': ADMIN,
  'POST /v1/contacts/{id}/legal-hold': ADMIN,
  'DELETE /v1/contacts/{id}/legal-hold': ADMIN,
  'GET /v1/suppressions': OPS,
  'POST /v1/suppressions': OPS,
  'DELETE /v1/suppressions': OPS,
  'POST /v1/conversations': OPS,
  'GET /v1/conversations/{id}': ALL,
  'GET /v1/conversations/{id}/transcript': ALL,
  'POST /v1/conversations/{id}/messages': AGENT,
  'POST /v1/conversations/{id}/outcome': AGENT,
  'POST /v1/conversations/{id}/notes': AGENT,
  'POST /v1/conversations/{id}/handoff': AGENT,
  'POST /v1/conversations/{id}/handback': AGENT,
  'POST /v1/conversations/{id}/close': AGENT,
  'POST /v1/sandbox/{channelId}/inbound': OPS,
  'GET /v1/sandbox/{channelId}/outbox': ALL,
  'GET /v1/channels': ALL,
  'GET /v1/channels/{id}': ALL,
  'POST /v1/channels': OPS,
  'PATCH /v1/channels/{id}': OPS,
  'DELETE /v1/channels/{id}': OPS,
};

describe('roles', () => {
  let stack: TestStack;
  let routes: { route: string; method: string; path: string; declared?: string }[];
  const keys = {} as Record<Role, string>;

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
    const doc = (await apiClient(stack.url).get('/openapi.json')).body;
    routes = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[]; 'x-required-role'?: string }>>)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => !op.security || op.security.length > 0)
          .map(([method, op]) => ({
            route: `${method.toUpperCase()} ${path}`,
            method: method.toUpperCase(),
            path,
            declared: op['x-required-role'],
          })),
      );
    const org = await seedOrg(stack.db);
    keys.admin = org.apiKey;
    for (const role of ['ops', 'agent', 'readonly'] as const) {
      const res = await apiClient(stack.url, org.apiKey).post('/v1/keys', { name: role, role });
      expect(res.status).toBe(201);
      keys[role] = res.body.key;
    }
  });
  afterAll(() => stack?.stop());

  it('when the OpenAPI document is read, then every authenticated route declares a role and has a line in the matrix', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes.filter((r) => !r.declared).map((r) => `${r.route} declares no role in api/roles.ts`)).toEqual([]);
    expect(routes.filter((r) => !ALLOWED[r.route]).map((r) => `${r.route} has no line in the ALLOWED matrix`)).toEqual([]);
  });

  it('when every role calls every route, then the denied ones are 403 naming the role and the allowed ones are neither 401 nor 403', async () => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const { route, method, path } of routes) {
      const url = path.replace(/\{\w+\}/g, () => randomUUID());
      for (const role of ALL) {
        const res = await apiClient(stack.url, keys[role]).raw(method, url, method === 'GET' || method === 'DELETE' ? undefined : {});
        const allowed = (ALLOWED[route] ?? []).includes(role);
        const refused = res.status === 403 && /requires the \w+ role/.test(String(res.body?.detail));
        answers.push(
          `${route} as ${role}: ${res.status === 401 || res.status === 403 ? (refused ? 'denied' : `status ${res.status}`) : 'allowed'}`,
        );
        expected.push(`${route} as ${role}: ${allowed ? 'allowed' : 'denied'}`);
      }
    }
    expect(answers).toEqual(expected);
  });

  it('when a role is refused, then the problem names the role required', async () => {
    const res = await apiClient(stack.url, keys.agent).post('/v1/journeys', {});
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toBe("this route requires the ops role; the key's role is agent");
  });

  it('when a route declares no role, then it never runs: every key is answered 404, admin too', async () => {
    for (const role of ALL) {
      const res = await apiClient(stack.url, keys[role]).get('/v1/not-declared');
      expect([res.status, res.body.detail]).toEqual([
        404,
        'no route for GET /v1/not-declared (every route declares its role in api/roles.ts)',
      ]);
    }
  });
});
