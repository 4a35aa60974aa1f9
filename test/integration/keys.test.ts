import { sql } from 'kysely';
import jwt from 'jsonwebtoken';
import { keyCreated, keyList } from '../../api/schemas/keys';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const REVOCATION_BOUND_MS = 1000;

describe('API keys', () => {
  let one: TestStack;
  let two: TestStack;

  beforeAll(async () => {
    // Two API processes on one database; the second already signs with generation 2 and still accepts 1.
    [one, two] = await Promise.all([
      startTestStack({}, { worker: false }),
      startTestStack({ JWT_KEY_GENERATIONS: ['2', '1'] }, { worker: false }),
    ]);
  });
  afterAll(() => Promise.all([one?.stop(), two?.stop()]));

  const auditRows = (orgId: string) => one.db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId).orderBy('id').execute();

  it('when a key is created, listed and revoked, then it is shown once, listed without secrets, and refused after', async () => {
    const org = await seedOrg(one.db);
    const admin = apiClient(one.url, org.apiKey);
    const created = await admin.post('/v1/keys', { name: 'Support desk', role: 'agent' });
    expect(created.status).toBe(201);
    expect(keyCreated.strict().safeParse(created.body).error).toBeUndefined();
    expect(created.body).toMatchObject({ name: 'Support desk', role: 'agent', prefix: expect.stringMatching(/^pk_[0-9a-f]{12}$/) });
    expect(created.body.key).toMatch(new RegExp(`^${created.body.prefix}_[A-Za-z0-9_-]{32}$`));
    expect(created.headers.get('location')).toBe(`/v1/keys/${created.body.id}`);
    const stored = await one.db.selectFrom('api_keys').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.body.key.slice('pk_'.length + 13));

    const agent = apiClient(one.url, created.body.key);
    expect((await agent.get('/v1/journeys')).status).toBe(200);
    const listed = await eventually(
      async () => {
        const res = await admin.get('/v1/keys');
        const mine = res.body.keys.find((k: { id: string }) => k.id === created.body.id);
        return mine?.lastUsedAt ? res.body : undefined;
      },
      10_000,
      'last used to be noted',
    );
    expect(keyList.safeParse(listed).error).toBeUndefined();
    expect(listed.keys.map((k: { role: string; name: string }) => `${k.name} ${k.role}`)).toEqual(['default admin', 'Support desk agent']);
    expect(JSON.stringify(listed)).not.toContain(created.body.key);
    expect(Object.keys(listed.keys[1]).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'role']);

    expect((await admin.raw('DELETE', `/v1/keys/${created.body.id}`)).status).toBe(204);
    expect((await agent.get('/v1/journeys')).status).toBe(401);
    expect((await admin.raw('DELETE', `/v1/keys/${created.body.id}`)).status).toBe(404);
    expect((await admin.get('/v1/keys')).body.keys).toHaveLength(1);
  });

  it('when the last admin key revokes itself, then it is 409 and the key still works; with a second admin it is revoked', async () => {
    const org = await seedOrg(one.db);
    const admin = apiClient(one.url, org.apiKey);
    const own = (await admin.get('/v1/keys')).body.keys[0].id;
    const refused = await admin.raw('DELETE', `/v1/keys/${own}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/last admin key/);
    expect((await admin.get('/v1/journeys')).status).toBe(200);

    const second = await admin.post('/v1/keys', { name: 'second', role: 'admin' });
    expect((await admin.raw('DELETE', `/v1/keys/${own}`)).status).toBe(204);
    expect((await admin.get('/v1/journeys')).status).toBe(401);
    expect((await apiClient(one.url, second.body.key).get('/v1/keys')).status).toBe(200);
  });

  it('when a key is created with a bad role or no name, then it is 400 naming the field and no key is written', async () => {
    const org = await seedOrg(one.db);
    const admin = apiClient(one.url, org.apiKey);
    const bad = await admin.post('/v1/keys', { name: 'x', role: 'root' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['role']);
    expect((await admin.post('/v1/keys', { role: 'ops' })).body.errors.map((e: { field: string }) => e.field)).toEqual(['name']);
    expect((await admin.get('/v1/keys')).body.keys).toHaveLength(1);
  });

  it('when a key is revoked on one process, then the key and its token are refused by the other within a second', async () => {
    const org = await seedOrg(one.db);
    const admin = apiClient(one.url, org.apiKey);
    const created = await admin.post('/v1/keys', { name: 'ops', role: 'ops' });
    const token = (await apiClient(one.url, created.body.key).post('/v1/auth/token')).body.token;
    const byKey = apiClient(two.url, created.body.key);
    const byToken = apiClient(two.url, token);
    expect((await byKey.get('/v1/journeys')).status).toBe(200);
    expect((await byToken.get('/v1/journeys')).status).toBe(200);

    expect((await admin.raw('DELETE', `/v1/keys/${created.body.id}`)).status).toBe(204);
    const revokedAt = Date.now();
    const refusedBy = async (api: ReturnType<typeof apiClient>) =>
      (await api.get('/v1/journeys')).status === 401 ? Date.now() - revokedAt : undefined;
    const [afterKey, afterToken] = await Promise.all([
      eventually(() => refusedBy(byKey), 5_000, 'the key to be refused'),
      eventually(() => refusedBy(byToken), 5_000, 'the token to be refused'),
    ]);
    expect(Math.max(afterKey, afterToken)).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
  });

  it('when a token is minted, then it carries the role and the kid of the signing generation', async () => {
    const org = await seedOrg(one.db);
    const created = await apiClient(one.url, org.apiKey).post('/v1/keys', { name: 'reader', role: 'readonly' });
    const onOne = jwt.decode((await apiClient(one.url, created.body.key).post('/v1/auth/token')).body.token, { complete: true })!;
    const onTwo = jwt.decode((await apiClient(two.url, created.body.key).post('/v1/auth/token')).body.token, { complete: true })!;
    expect([onOne.header.kid, onTwo.header.kid]).toEqual(['1', '2']);
    expect(onOne.payload).toMatchObject({ role: 'readonly', kp: created.body.prefix });
    const token = (await apiClient(one.url, created.body.key).post('/v1/auth/token')).body.token;
    expect((await apiClient(one.url, token).post('/v1/journeys', {})).status).toBe(403);
  });

  it('when signing keys rotate, then an old token works during the overlap and fails once its generation is dropped', async () => {
    const org = await seedOrg(one.db);
    const oldToken = (await apiClient(one.url, org.apiKey).post('/v1/auth/token')).body.token;
    const newToken = (await apiClient(two.url, org.apiKey).post('/v1/auth/token')).body.token;
    // Overlap: the process signing with 2 accepts 1; the one still on 1 does not yet know 2.
    expect((await apiClient(two.url, oldToken).get('/v1/journeys')).status).toBe(200);
    expect((await apiClient(two.url, newToken).get('/v1/journeys')).status).toBe(200);
    expect((await apiClient(one.url, newToken).get('/v1/journeys')).status).toBe(401);

    const three = await startTestStack({ JWT_KEY_GENERATIONS: ['2'] }, { api: true, worker: false });
    try {
      expect((await apiClient(three.url, oldToken).get('/v1/journeys')).status).toBe(401);
      expect((await apiClient(three.url, newToken).get('/v1/journeys')).status).toBe(200);
    } finally {
      await three.stop();
    }
  });

  it('when keys are created, revoked and authentication fails, then each is audited and no row holds a key', async () => {
    const org = await seedOrg(one.db);
    const admin = apiClient(one.url, org.apiKey);
    const created = await admin.post('/v1/keys', { name: 'temp', role: 'ops' });
    await admin.raw('DELETE', `/v1/keys/${created.body.id}`);
    expect((await apiClient(one.url, created.body.key).get('/v1/journeys')).status).toBe(401);
    const ownPrefix = `pk_${org.apiKey.split('_')[1]}`;

    const rows = await auditRows(org.orgId);
    expect(rows.map((r) => [r.action, r.actor, r.target, r.result])).toEqual([
      ['key.created', ownPrefix, created.body.prefix, 'ok'],
      ['key.revoked', ownPrefix, created.body.id, 'ok'],
      ['auth.failed', created.body.prefix, 'GET /v1/journeys', 'denied'],
    ]);
    const failed = await one.db.selectFrom('audit_log').selectAll().where('actor', '=', created.body.prefix).execute();
    expect(failed.map((r) => [r.action, r.target, r.result, r.org_id])).toEqual([['auth.failed', 'GET /v1/journeys', 'denied', org.orgId]]);
    const shownToOrg = await admin.get(`/v1/audit-log?action=auth.failed&actor=${created.body.prefix}`);
    expect(shownToOrg.body.entries.map((e: { target: string }) => e.target)).toEqual(['GET /v1/journeys']);
    const everything = JSON.stringify(await one.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of [org.apiKey, created.body.key, created.body.key.slice('pk_'.length + 13)])
      expect(everything).not.toContain(secret);

    const page = await admin.get(`/v1/audit-log?action=key.revoked&actor=${ownPrefix}`);
    expect(page.body.entries.map((e: { target: string }) => e.target)).toEqual([created.body.id]);
    const later = await admin.get(`/v1/audit-log?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(later.body.entries).toEqual([]);
    const paged = await admin.get(`/v1/audit-log?limit=1`);
    expect(paged.body.entries).toHaveLength(1);
    const next = await admin.get(`/v1/audit-log?limit=1&after=${paged.body.entries[0].id}`);
    expect(next.body.entries.map((e: { action: string }) => e.action)).toEqual(['key.revoked']);
    expect((await apiClient(one.url).get('/v1/audit-log')).status).toBe(401);
    const anonymous = await one.db.selectFrom('audit_log').select('actor').where('actor', '=', 'anonymous').execute();
    expect(anonymous.length).toBeGreaterThan(0);
  });

  it('when anything updates, deletes or truncates the audit log, then the database refuses', async () => {
    const org = await seedOrg(one.db);
    await apiClient(one.url, org.apiKey).post('/v1/keys', { name: 'x', role: 'ops' });
    const before = await auditRows(org.orgId);
    expect(before).toHaveLength(1);
    await expect(sql`update audit_log set result = 'forged' where org_id = ${org.orgId}`.execute(one.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where org_id = ${org.orgId}`.execute(one.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_log`.execute(one.db)).rejects.toThrow(/append-only/);
    expect(await auditRows(org.orgId)).toEqual(before);
  });
});
