import { completeCampaign } from '../../db/campaign-members';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

describe('contacts added to a campaign after it was created', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const create = async (addresses: string[]) => {
    const res = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: addresses.map((address) => ({ address, fields: { firstName: 'Ada' } })),
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const statusOf = (id: string, status: string) =>
    eventually(async () => ((await api.get(`/v1/campaigns/${id}`)).body.status === status ? true : undefined), 45_000, status);

  it('when a completed campaign is given new and repeated contacts, then only the new ones start, and it completes again', async () => {
    const id = await create(['07911 123601']);
    const first = sandboxPhone(api, org.channelId, '07911 123601');
    await first.receive(2);
    await statusOf(id, 'completed');

    const added = await api.post(`/v1/campaigns/${id}/contacts`, {
      contacts: [{ address: '+44 7911 123601' }, { address: '07911 123602' }, { address: '07911123603' }, { address: '07911 123602' }],
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ id, added: 2, duplicatesSkipped: 2, suppressedSkipped: 0, total: 3 });
    expect(await sandboxPhone(api, org.channelId, '07911 123602').receive(1)).toEqual(['Hi there! This is the Parley demo.']);
    expect(await sandboxPhone(api, org.channelId, '07911 123603').receive(1)).toEqual(['Hi there! This is the Parley demo.']);
    await statusOf(id, 'completed');
    const view = (await api.get(`/v1/campaigns/${id}`)).body;
    expect(view.total).toBe(3);
    expect(view.progress.started).toBe(3);
    // The first member started once, in the first run only: one conversation, one greeting.
    const greetings = await stack.db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select('c.campaign_seq')
      .where('c.campaign_id', '=', id)
      .where('m.step', '=', 'hello')
      .execute();
    expect(greetings.map((g) => g.campaign_seq).sort()).toEqual([1, 2, 3]);
    const members = await stack.db
      .selectFrom('conversations')
      .select('campaign_seq')
      .where('campaign_id', '=', id)
      .orderBy('campaign_seq')
      .execute();
    expect(members.map((m) => m.campaign_seq)).toEqual([1, 2, 3]);
  });

  it('when members were added after the last one a run read, then that run does not complete the campaign', async () => {
    const id = await create(['07911 123611']);
    await statusOf(id, 'completed');
    await stack.db.updateTable('campaigns').set({ status: 'running' }).where('id', '=', id).execute();
    expect((await api.post(`/v1/campaigns/${id}/contacts`, { contacts: [{ address: '07911 123612' }] })).body.added).toBe(1);
    // A run that had started members up to seq 1 looks again: seq 2 is there, so it may not complete.
    expect(await completeCampaign(stack.db, id, 1)).toBe(false);
    expect(await completeCampaign(stack.db, id, 2)).toBe(true);
    expect((await api.get(`/v1/campaigns/${id}`)).body.status).toBe('completed');
  });

  it('when a scheduled campaign is given contacts, they join it; once it is cancelled, or for another org, nothing is added', async () => {
    const res = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: '07911 123621' }],
      startAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const joined = await api.post(`/v1/campaigns/${id}/contacts`, { contacts: [{ address: '07911 123622' }] });
    expect(joined.body).toMatchObject({ added: 1, total: 2 });
    expect((await api.get(`/v1/campaigns/${id}`)).body).toMatchObject({ status: 'scheduled', total: 2 });

    expect((await api.post(`/v1/campaigns/${id}/cancel`, {})).status).toBe(202);
    await statusOf(id, 'cancelled');
    const refused = await api.post(`/v1/campaigns/${id}/contacts`, { contacts: [{ address: '07911 123623' }] });
    expect(refused.status).toBe(409);
    const other = await seedOrg(stack.db);
    const theirs = await apiClient(stack.url, other.apiKey).post(`/v1/campaigns/${id}/contacts`, {
      contacts: [{ address: '07911 123624' }],
    });
    expect(theirs.status).toBe(404);
    const bad = await api.post(`/v1/campaigns/${id}/contacts`, { contacts: [{ address: 'not a phone' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('contacts[0].address');
    const stored = await stack.db.selectFrom('contacts').select('address').where('org_id', 'in', [org.orgId, other.orgId]).execute();
    expect(stored.map((c) => c.address)).not.toContain('+447911123623');
    expect(stored.map((c) => c.address)).not.toContain('+447911123624');
    expect((await api.get(`/v1/campaigns/${id}`)).body.total).toBe(2);
  });
});
