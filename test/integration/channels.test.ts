import { randomBytes, randomUUID } from 'node:crypto';
import { hmacSha256Header } from '../../channels/signature';
import { upsertContacts } from '../../db/contacts';
import { createConversation } from '../../db/conversations';
import { up as fillWebhookSecrets } from '../../db/migrations/2026-11-23T0400-sandbox-webhook-secret';
import { sealSandboxSecrets } from '../../db/migrations/2026-11-23T0510-seal-channel-secrets';
import { greetingJourney } from '../fixtures/journeys';
import { channelSecret, testSecrets } from '../helpers/secrets';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';

describe('GET /v1/channels', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  afterAll(() => stack?.stop());

  const secretOf = (channelId: string) => channelSecret(stack.db, channelId);
  const storedConfig = async (channelId: string) =>
    (await stack.db.selectFrom('channels').select('config').where('id', '=', channelId).executeTakeFirstOrThrow()).config;

  it('when an org lists and gets its channels, then it sees kinds and capabilities but never a secret', async () => {
    const org = await seedOrg(stack.db, greetingJourney);
    const twilio = await stack.db
      .insertInto('channels')
      .values({
        org_id: org.orgId,
        kind: 'twilio',
        name: 'SMS',
        config: JSON.stringify({ accountSid: 'AC123', authToken: 'twilio-auth-token-0123456789' }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const secret = await secretOf(org.channelId);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const api = apiClient(stack.url, org.apiKey);

    const list = await api.get('/v1/channels');
    expect(list.status).toBe(200);
    expect(list.body.channels).toEqual([
      {
        id: org.channelId,
        kind: 'sandbox',
        name: 'Sandbox',
        config: {},
        capabilities: { confirmsStop: false, sessionWindowHours: null, defaultRatePerSecond: 100 },
        webhookPath: `/hooks/${org.channelId}`,
        createdAt: expect.any(String),
      },
      {
        id: twilio.id,
        kind: 'twilio',
        name: 'SMS',
        config: { accountSid: 'AC123' },
        capabilities: { confirmsStop: true, sessionWindowHours: null, defaultRatePerSecond: 1 },
        webhookPath: `/hooks/${twilio.id}`,
        createdAt: expect.any(String),
      },
    ]);
    const one = await api.get(`/v1/channels/${org.channelId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.channels[0]);
    const other = await api.get(`/v1/channels/${twilio.id}`);
    expect(other.body).toEqual(list.body.channels[1]);

    for (const text of [JSON.stringify(list.body), JSON.stringify(one.body), JSON.stringify(other.body)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('webhookSecret');
      expect(text).not.toContain('twilio-auth-token');
    }
  });

  it("when an org asks for another org's channel, or one that does not exist, then it is 404", async () => {
    const mine = await seedOrg(stack.db, greetingJourney);
    const theirs = await seedOrg(stack.db, greetingJourney);
    const api = apiClient(stack.url, mine.apiKey);
    for (const id of [theirs.channelId, '00000000-0000-0000-0000-000000000000', 'not-an-id']) {
      const res = await api.get(`/v1/channels/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await api.get('/v1/channels')).body.channels.map((c: { id: string }) => c.id)).toEqual([mine.channelId]);
    expect((await apiClient(stack.url).get('/v1/channels')).status).toBe(401);
  });

  it('when a sandbox channel has no webhook secret yet, then the migrations give it one, sealed, and leave existing ones alone', async () => {
    const org = await seedOrg(stack.db, greetingJourney);
    const kept = await storedConfig(org.channelId);
    const bare = await stack.db
      .insertInto('channels')
      .values({ org_id: org.orgId, kind: 'sandbox', name: 'Old sandbox', config: JSON.stringify({}) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const seal = sealSandboxSecrets((field, plain) => testSecrets.seal(field, plain)).up;
    await fillWebhookSecrets(stack.db);
    const plain = (await storedConfig(bare.id)).webhookSecret as string;
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
    await seal(stack.db);
    expect(JSON.stringify(await storedConfig(bare.id))).not.toContain(plain);
    expect(await secretOf(bare.id)).toBe(plain);
    expect(await storedConfig(org.channelId)).toEqual(kept);
    const sealed = await storedConfig(bare.id);
    await fillWebhookSecrets(stack.db);
    await seal(stack.db);
    expect(await storedConfig(bare.id)).toEqual(sealed);
  });
});

const TWILIO = { accountSid: `AC${'a'.repeat(32)}`, authToken: 't'.repeat(32), channel: 'sms' };

describe('POST, PATCH and DELETE /v1/channels', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  /** Every answer's text, to prove no secret ever leaves. */
  const answers: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
    org = await seedOrg(stack.db, greetingJourney);
    const client = apiClient(stack.url, org.apiKey);
    const keep = async <T extends { body: unknown }>(res: Promise<T>) => {
      const r = await res;
      answers.push(JSON.stringify(r));
      return r;
    };
    api = {
      get: (p) => keep(client.get(p)),
      post: (p, b, h) => keep(client.post(p, b, h)),
      put: (p, b) => keep(client.put(p, b)),
      raw: (m, p, b, h) => keep(client.raw(m, p, b, h)),
    };
  });
  afterAll(() => stack?.stop());

  const used: string[] = [];
  const newSecret = () => {
    used.push(randomBytes(32).toString('hex'));
    return used[used.length - 1];
  };
  const rawRow = (id: string) => stack.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
  const hook = (channelId: string, secret: string) => {
    const body = JSON.stringify({ statuses: [{ id: `sbx_${randomUUID()}`, status: 'delivered' }] });
    return apiClient(stack.url).raw('POST', `/hooks/${channelId}`, body, {
      'content-type': 'application/json',
      'x-parley-signature': hmacSha256Header(secret, body),
    });
  };
  const create = (secret = newSecret(), name = 'Second sandbox') =>
    api.post('/v1/channels', { kind: 'sandbox', name, config: { webhookSecret: secret } });

  it('when an org adds a channel, then it is stored with its secret encrypted, shown without it, and its webhooks verify', async () => {
    const secret = newSecret();
    const res = await create(secret);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/channels/${res.body.id}`);
    expect(res.body).toEqual({
      id: expect.any(String),
      kind: 'sandbox',
      name: 'Second sandbox',
      config: {},
      capabilities: { confirmsStop: false, sessionWindowHours: null, defaultRatePerSecond: 100 },
      webhookPath: `/hooks/${res.body.id}`,
      createdAt: expect.any(String),
    });
    const row = await rawRow(res.body.id);
    expect(row).toMatchObject({ org_id: org.orgId, kind: 'sandbox', deleted_at: null });
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row!.config.webhookSecret).toEqual({ sealed: expect.stringMatching(/^s1:/) });
    expect(await channelSecret(stack.db, res.body.id)).toBe(secret);
    expect((await hook(res.body.id, secret)).status).toBe(200);
    expect((await hook(res.body.id, newSecret())).status).toBe(401);
    expect((await api.get('/v1/channels')).body.channels.map((c: { id: string }) => c.id)).toEqual([org.channelId, res.body.id]);
  });

  it.each([
    ['a config without its secret', { kind: 'sandbox', name: 'S', config: {} }, 'config.webhookSecret'],
    ['a secret too short', { kind: 'sandbox', name: 'S', config: { webhookSecret: 'short' } }, 'config.webhookSecret'],
    [
      'a config field the provider does not know',
      { kind: 'sandbox', name: 'S', config: { webhookSecret: 'x'.repeat(32), to: 1 } },
      'config.to',
    ],
    ['a kind that does not exist', { kind: 'telegram', name: 'S', config: {} }, 'kind'],
    ['a Twilio sender neither from a number nor a messaging service', { kind: 'twilio', name: 'T', config: TWILIO }, 'config.from'],
    ['no name', { kind: 'sandbox', name: ' ', config: { webhookSecret: 'x'.repeat(32) } }, 'name'],
  ])('when a channel is added with %s, then it is a 400 naming the field and nothing is stored', async (_what, body, field) => {
    const before = await stack.db.selectFrom('channels').select('id').where('org_id', '=', org.orgId).execute();
    const res = await api.post('/v1/channels', body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await stack.db.selectFrom('channels').select('id').where('org_id', '=', org.orgId).execute()).toEqual(before);
  });

  it('when a channel is patched, then its name changes and a new secret replaces the old one, still encrypted', async () => {
    const old = newSecret();
    const { body: channel } = await create(old, 'Before');
    const renamed = await api.raw('PATCH', `/v1/channels/${channel.id}`, { name: 'After' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: channel.id, name: 'After', config: {} });
    expect(await channelSecret(stack.db, channel.id)).toBe(old);

    const secret = newSecret();
    const rotated = await api.raw('PATCH', `/v1/channels/${channel.id}`, { config: { webhookSecret: secret } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ ...renamed.body });
    expect(JSON.stringify(await rawRow(channel.id))).not.toContain(secret);
    expect((await hook(channel.id, secret)).status).toBe(200);
    expect((await hook(channel.id, old)).status).toBe(401);

    const bad = await api.raw('PATCH', `/v1/channels/${channel.id}`, { config: { webhookSecret: 'short' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'config.webhookSecret', message: expect.any(String) }]);
    expect(await channelSecret(stack.db, channel.id)).toBe(secret);
  });

  it('when a Twilio channel is patched to send both from a number and a messaging service, then it is a 400 naming config.from', async () => {
    const res = await api.post('/v1/channels', { kind: 'twilio', name: 'T', config: { ...TWILIO, from: '+15005550006' } });
    expect(res.status).toBe(201);
    const both = await api.raw('PATCH', `/v1/channels/${res.body.id}`, { config: { messagingServiceSid: `MG${'b'.repeat(32)}` } });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([{ field: 'config.from', message: 'set one of from and messagingServiceSid' }]);
  });

  it('when a live conversation uses a channel, then DELETE is a 409; once it ended, the channel is soft-deleted', async () => {
    const secret = newSecret();
    const { body: channel } = await create(secret, 'Doomed');
    const [contactId] = await upsertContacts(stack.db, org.orgId, channel.id, [{ address: '+447911123999', fields: {} }], 10);
    const id = randomUUID();
    await createConversation(stack.db, {
      id,
      orgId: org.orgId,
      contactId,
      channelId: channel.id,
      journeyId: org.journeyId,
      journeyVersion: 1,
      workflowId: `test:${id}`,
    });
    const refused = await api.raw('DELETE', `/v1/channels/${channel.id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await rawRow(channel.id))!.deleted_at).toBeNull();

    await stack.db.updateTable('conversations').set({ status: 'ended' }).where('id', '=', id).execute();
    const deleted = await api.raw('DELETE', `/v1/channels/${channel.id}`);
    expect(deleted.status).toBe(204);
    const row = await rawRow(channel.id);
    expect(row).toMatchObject({ config: {}, deleted_at: expect.any(Date) });
    expect((await api.get(`/v1/channels/${channel.id}`)).status).toBe(404);
    expect((await api.get('/v1/channels')).body.channels.map((c: { id: string }) => c.id)).not.toContain(channel.id);
    expect((await hook(channel.id, secret)).status).toBe(404);
    expect((await api.raw('PATCH', `/v1/channels/${channel.id}`, { name: 'Back' })).status).toBe(404);
    expect((await api.raw('DELETE', `/v1/channels/${channel.id}`)).status).toBe(404);
    expect(await stack.db.selectFrom('conversations').select('id').where('id', '=', id).execute()).toHaveLength(1);
  });

  it("when an org patches or deletes another org's channel, then it is 404 and the channel is unchanged", async () => {
    const theirs = await seedOrg(stack.db, greetingJourney);
    const before = await rawRow(theirs.channelId);
    expect((await api.raw('PATCH', `/v1/channels/${theirs.channelId}`, { name: 'Mine now' })).status).toBe(404);
    expect((await api.raw('PATCH', `/v1/channels/${theirs.channelId}`, { config: { webhookSecret: newSecret() } })).status).toBe(404);
    expect((await api.raw('DELETE', `/v1/channels/${theirs.channelId}`)).status).toBe(404);
    expect(await rawRow(theirs.channelId)).toEqual(before);
  });

  it('when all the above has run, then no answer ever held a secret, sealed or not', () => {
    expect(answers.length).toBeGreaterThan(10);
    for (const text of answers) {
      for (const secret of used) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/"webhookSecret"\s*:|sealed/);
    }
  });
});
