import { randomUUID } from 'node:crypto';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';
import { seedCampaign, seedEnded } from '../helpers/retention-seed';

describe('retention settings and legal holds', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  afterAll(() => stack?.stop());

  const audit = (orgId: string) =>
    stack.db.selectFrom('audit_log').select(['action', 'target', 'result', 'actor']).where('org_id', '=', orgId).orderBy('id').execute();

  it('when the admin sets retention periods, then GET /v1/org shows them, null keeps a kind forever, and each change is audited', async () => {
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const set = await api.raw('PATCH', '/v1/org', { retention: { conversationsDays: 30, webhookDeliveriesDays: 7 } });
    expect(set.status).toBe(200);
    expect(set.body.retention).toEqual({ conversationsDays: 30, webhookDeliveriesDays: 7 });
    await api.raw('PATCH', '/v1/org', { retention: { webhookDeliveriesDays: null, inactiveContactsDays: 365, dsrBundlesDays: 14 } });
    expect((await api.get('/v1/org')).body.retention).toEqual({ conversationsDays: 30, inactiveContactsDays: 365, dsrBundlesDays: 14 });
    await api.raw('PATCH', '/v1/org', { retention: null });
    expect((await api.get('/v1/org')).body.retention).toBeUndefined();

    const rows = await audit(org.orgId);
    expect(rows.map((r) => `${r.action} ${r.target} ${r.result}`)).toEqual([
      'retention.changed conversationsDays,webhookDeliveriesDays ok',
      'retention.changed dsrBundlesDays,inactiveContactsDays,webhookDeliveriesDays ok',
      'retention.changed all ok',
    ]);
    expect(rows.every((r) => r.actor.startsWith('pk_'))).toBe(true);
  });

  it.each([
    [{ conversationsDays: 0 }, 'retention.conversationsDays', /at least 1 day/],
    [{ inactiveContactsDays: 36501 }, 'retention.inactiveContactsDays', /at most 36500 days/],
    [{ webhookDeliveriesDays: 1.5 }, 'retention.webhookDeliveriesDays', /whole number/],
    [{ dsrBundlesDays: '30' }, 'retention.dsrBundlesDays', /.+/],
    [{ messagesDays: 30 }, 'retention.messagesDays', /unknown field/],
  ])('when retention is %j, then 400 names %s and nothing changes', async (retention, field, message) => {
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const res = await api.raw('PATCH', '/v1/org', { name: 'Renamed', retention });
    expect(res.status).toBe(400);
    const named = res.body.errors.find((e: { field: string }) => e.field === field);
    expect(named?.message).toMatch(message);
    const after = await api.get('/v1/org');
    expect(after.body.retention).toBeUndefined();
    expect(after.body.name).not.toBe('Renamed');
    expect(await audit(org.orgId)).toEqual([]);
  });

  it('when the admin holds and releases a contact and a campaign, then the rows say so and the log has each step', async () => {
    const org = await seedOrg(stack.db);
    const api = apiClient(stack.url, org.apiKey);
    const { contactIds } = await seedEnded(stack.db, org, { conversations: 1, messages: 0, endedAt: new Date(), tag: 'hold' });
    const contactId = contactIds[0];
    const campaignId = await seedCampaign(stack.db, org);

    expect((await api.post(`/v1/contacts/${contactId}/legal-hold`)).body).toEqual({ id: contactId, legalHold: true });
    expect((await api.post(`/v1/campaigns/${campaignId}/legal-hold`)).body).toEqual({ id: campaignId, legalHold: true });
    const held = await stack.db.selectFrom('contacts').select('legal_hold').where('id', '=', contactId).executeTakeFirstOrThrow();
    expect(held.legal_hold).toBe(true);
    expect((await api.raw('DELETE', `/v1/contacts/${contactId}/legal-hold`)).body).toEqual({ id: contactId, legalHold: false });
    const released = await stack.db.selectFrom('contacts').select('legal_hold').where('id', '=', contactId).executeTakeFirstOrThrow();
    expect(released.legal_hold).toBe(false);
    const campaign = await stack.db.selectFrom('campaigns').select('legal_hold').where('id', '=', campaignId).executeTakeFirstOrThrow();
    expect(campaign.legal_hold).toBe(true);

    expect((await audit(org.orgId)).map((r) => `${r.action} ${r.target}`)).toEqual([
      `legalHold.set contact:${contactId}`,
      `legalHold.set campaign:${campaignId}`,
      `legalHold.cleared contact:${contactId}`,
    ]);
  });

  it("when the id is unknown, another org's or not a uuid, then 404 and nothing is audited", async () => {
    const org = await seedOrg(stack.db);
    const other = await seedOrg(stack.db);
    const theirs = await seedCampaign(stack.db, other);
    const api = apiClient(stack.url, org.apiKey);
    expect((await api.post(`/v1/campaigns/${theirs}/legal-hold`)).status).toBe(404);
    expect((await api.post(`/v1/contacts/${randomUUID()}/legal-hold`)).status).toBe(404);
    expect((await api.raw('DELETE', '/v1/contacts/not-a-uuid/legal-hold')).status).toBe(404);
    const row = await stack.db.selectFrom('campaigns').select('legal_hold').where('id', '=', theirs).executeTakeFirstOrThrow();
    expect(row.legal_hold).toBe(false);
    expect(await audit(org.orgId)).toEqual([]);
  });
});
