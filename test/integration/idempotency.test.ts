import { randomUUID } from 'node:crypto';
import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

describe('Idempotency-Key on the routes that start or send', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const campaign = (address: string, firstName = 'Ada') => ({
    journeyId: org.journeyId,
    channelId: org.channelId,
    contacts: [{ address, fields: { firstName } }],
  });
  const key = () => ({ 'idempotency-key': randomUUID() });
  // Other files share the database and may use the same numbers: look only at this org's rows.
  const outbox = (address: string) =>
    stack.db.selectFrom('sandbox_outbox').select('body').where('channel_id', '=', org.channelId).where('address', '=', address).execute();
  const campaignsTo = async (address: string) =>
    (
      await stack.db
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
        .select('conversations.campaign_id')
        .where('conversations.org_id', '=', org.orgId)
        .where('contacts.address', '=', address)
        .execute()
    ).map((r) => r.campaign_id);

  it('when a campaign is posted twice with the same key and body, then one campaign starts and both get the first answer', async () => {
    const headers = key();
    const first = await api.post('/v1/campaigns', campaign('07911 200001'), headers);
    const again = await api.post('/v1/campaigns', campaign('07911 200001'), headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await campaignsTo('+447911200001')).toEqual([first.body.id]);
    await eventually(async () => ((await outbox('+447911200001')).length === 2 ? true : undefined), 30_000, 'the two first messages');
    expect((await outbox('+447911200001')).map((m) => m.body)).toEqual([
      'Hi Ada, this is Parley.',
      'Can we help with your account today? Reply YES or NO.',
    ]);
  });

  it('when the same campaign is posted twice at once with one key, then one campaign starts', async () => {
    const headers = key();
    const answers = await Promise.all([
      api.post('/v1/campaigns', campaign('07911 200002'), headers),
      api.post('/v1/campaigns', campaign('07911 200002'), headers),
    ]);
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const a of answers) expect([201, 409]).toContain(a.status);
    for (const a of created) expect(a.body).toEqual(created[0].body);
    expect(answers.find((a) => a.status === 409)?.body.detail ?? 'in progress').toMatch(/in progress/);
    expect(await campaignsTo('+447911200002')).toEqual([created[0].body.id]);
    const replay = await api.post('/v1/campaigns', campaign('07911 200002'), headers);
    expect([replay.status, replay.body]).toEqual([201, created[0].body]);
  });

  it('when a key is reused with another body, then it is a 422 naming Idempotency-Key and nothing is written', async () => {
    const headers = key();
    const first = await api.post('/v1/campaigns', campaign('07911 200003'), headers);
    expect(first.status).toBe(201);
    const before = await tableCounts(stack.db, [org.orgId]);
    const other = await api.post('/v1/campaigns', campaign('07911 200003', 'Bea'), headers);
    expect(other.status).toBe(422);
    expect(other.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.stringMatching(/different request/) }]);
    const elsewhere = await api.post(
      '/v1/conversations',
      { journeyId: org.journeyId, channelId: org.channelId, contact: { address: '07911 200003' } },
      headers,
    );
    expect(elsewhere.status).toBe(422);
    expect((await tableCounts(stack.db, [org.orgId])).campaigns).toBe(before.campaigns);
    expect((await tableCounts(stack.db, [org.orgId])).conversations).toBe(before.conversations);
  });

  it('when a conversation is posted twice with the same key, then one conversation starts, once or concurrently', async () => {
    const body = { journeyId: org.journeyId, channelId: org.channelId, contact: { address: '07911 200004', fields: { firstName: 'Cy' } } };
    const headers = key();
    const first = await api.post('/v1/conversations', body, headers);
    const again = await api.post('/v1/conversations', body, headers);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    const concurrent = key();
    const both = await Promise.all([
      api.post('/v1/conversations', { ...body, contact: { address: '07911 200005' } }, concurrent),
      api.post('/v1/conversations', { ...body, contact: { address: '07911 200005' } }, concurrent),
    ]);
    expect(both.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(1);
    for (const a of both) expect([201, 409]).toContain(a.status);
    const rows = await stack.db
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
      .select('conversations.id')
      .where('conversations.org_id', '=', org.orgId)
      .where('contacts.address', 'in', ['+447911200004', '+447911200005'])
      .execute();
    expect(rows).toHaveLength(2);
  });

  it('when an agent message reuses a key with another text, then it is a 422, and with the same text the first answer', async () => {
    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 200006' },
    });
    const id = started.body.id as string;
    await eventually(async () => ((await outbox('+447911200006')).length === 2 ? true : undefined), 30_000, 'the first messages');
    const headers = key();
    const first = await api.post(`/v1/conversations/${id}/messages`, { text: 'Hello from Sam' }, headers);
    const same = await api.post(`/v1/conversations/${id}/messages`, { text: 'Hello from Sam' }, headers);
    const other = await api.post(`/v1/conversations/${id}/messages`, { text: 'Something else' }, headers);
    expect([first.status, same.status, other.status]).toEqual([201, 201, 422]);
    expect(same.body).toEqual(first.body);
    expect(other.body.detail).toMatch(/Idempotency-Key/);
    await eventually(async () => ((await outbox('+447911200006')).length === 3 ? true : undefined), 30_000, 'the agent message');
    expect((await outbox('+447911200006')).filter((m) => m.body === 'Something else')).toEqual([]);
  });

  it('when a request with a key is refused, then the key is not kept and a corrected retry goes through', async () => {
    const headers = key();
    const bad = await api.post('/v1/campaigns', { ...campaign('07911 200007'), channelId: randomUUID() }, headers);
    expect(bad.status).toBe(422);
    const good = await api.post('/v1/campaigns', campaign('07911 200007'), headers);
    expect(good.status).toBe(201);
  });
});
