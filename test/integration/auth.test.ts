import jwt from 'jsonwebtoken';
import { resolveApiKey } from '../../api/keys';
import { revokeApiKey } from '../../db/keys';
import { jwtSecret } from '../../config';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const REVOCATION_BOUND_MS = 1500;

describe('API tokens', () => {
  let one: TestStack;
  let two: TestStack;

  beforeAll(async () => {
    // Two API instances on one database, as two processes behind a load balancer would be.
    [one, two] = await Promise.all([startTestStack({}, { worker: false }), startTestStack({}, { worker: false })]);
  });
  afterAll(() => Promise.all([one?.stop(), two?.stop()]));

  const mint = async (key: string) => {
    const res = await apiClient(one.url, key).post('/v1/auth/token');
    expect(res.status).toBe(201);
    return res.body.token as string;
  };

  it('when a token asks for a token, then it is refused with a problem saying an API key is required', async () => {
    const org = await seedOrg(one.db);
    const token = await mint(org.apiKey);
    const res = await apiClient(one.url, token).post('/v1/auth/token');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(/API key is required/);
    expect(res.body.token).toBeUndefined();
  });

  it('when its key is revoked, then its token is refused by every instance within a second', async () => {
    const org = await seedOrg(one.db);
    const token = await mint(org.apiKey);
    const onOne = apiClient(one.url, token);
    const onTwo = apiClient(two.url, token);
    expect((await onOne.get('/v1/journeys')).status).toBe(200);
    expect((await onTwo.get('/v1/journeys')).status).toBe(200);

    const { keyId } = (await resolveApiKey(one.db, org.apiKey))!;
    const spare = await apiClient(one.url, org.apiKey).post('/v1/keys', { name: 'spare', role: 'admin' });
    expect(spare.status).toBe(201);
    expect(await revokeApiKey(one.db, org.orgId, keyId)).toBe('revoked');
    const revokedAt = Date.now();
    const refusedBy = async (api: ReturnType<typeof apiClient>) =>
      (await api.get('/v1/journeys')).status === 401 ? Date.now() - revokedAt : undefined;
    const [afterOne, afterTwo] = await Promise.all([
      eventually(() => refusedBy(onOne), REVOCATION_BOUND_MS, 'instance one to refuse the token'),
      eventually(() => refusedBy(onTwo), REVOCATION_BOUND_MS, 'instance two to refuse the token'),
    ]);
    expect(Math.max(afterOne, afterTwo)).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
    expect((await apiClient(two.url, org.apiKey).get('/v1/journeys')).status).toBe(401);
  });

  it('when a key of another org is named, then revoking it changes nothing', async () => {
    const org = await seedOrg(one.db);
    const other = await seedOrg(one.db);
    const { keyId } = (await resolveApiKey(one.db, org.apiKey))!;
    expect(await revokeApiKey(one.db, other.orgId, keyId)).toBe('not-found');
    expect((await apiClient(two.url, org.apiKey).get('/v1/journeys')).status).toBe(200);
  });

  it('when a token has a wrong or missing audience, then it is 401; with the right one it works', async () => {
    const org = await seedOrg(one.db);
    const { keyId } = (await resolveApiKey(one.db, org.apiKey))!;
    const sign = (aud?: string) =>
      jwt.sign({ org: org.orgId, ...(aud ? { aud } : {}) }, jwtSecret(one.config), {
        subject: keyId,
        issuer: 'parley',
        expiresIn: 60,
        algorithm: 'HS256',
      });
    const status = async (token: string) => (await apiClient(two.url, token).get('/v1/journeys')).status;
    expect(await status(sign('parley-api'))).toBe(200);
    expect(await status(sign('parley-admin'))).toBe(401);
    expect(await status(sign())).toBe(401);
  });

  it('when a token names a key id that is not a uuid, then it is 401, not 500', async () => {
    const org = await seedOrg(one.db);
    const token = jwt.sign({ org: org.orgId, aud: 'parley-api' }, jwtSecret(one.config), {
      subject: 'nope',
      issuer: 'parley',
      expiresIn: 60,
      algorithm: 'HS256',
    });
    expect((await apiClient(one.url, token).get('/v1/journeys')).status).toBe(401);
  });

  it('when a minted token is decoded, then it carries the API audience and the key as subject', async () => {
    const org = await seedOrg(one.db);
    const claims = jwt.decode(await mint(org.apiKey)) as jwt.JwtPayload;
    const { keyId } = (await resolveApiKey(one.db, org.apiKey))!;
    expect(claims).toMatchObject({ aud: 'parley-api', iss: 'parley', sub: keyId, org: org.orgId });
  });
});
