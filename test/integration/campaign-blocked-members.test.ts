import { recordConsent } from '../../db/consent';
import { greetingJourney } from '../fixtures/journeys';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

describe('campaign members blocked between import and start', () => {
  let api: TestStack;
  let worker: TestStack | undefined;
  let org: Awaited<ReturnType<typeof seedOrg>>;

  // No worker yet: the campaign is imported but none of its members can start until one comes.
  beforeAll(async () => {
    api = await startTestStack({}, { worker: false });
    org = await seedOrg(api.db, greetingJourney);
  });
  afterAll(() => Promise.all([api?.stop(), worker?.stop()]));

  it('when members are suppressed, restricted or opt out before their start, then they are skipped with the reason and sent nothing', async () => {
    const client = apiClient(api.url, org.apiKey);
    const addresses = ['+447911123501', '+447911123502', '+447911123503', '+447911123504'];
    const created = await client.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: addresses.map((address) => ({ address, fields: { firstName: 'Pat' } })),
    });
    expect(created.status).toBe(201);

    expect((await client.post('/v1/suppressions', { address: addresses[0] })).body.added).toBe(1);
    await api.db
      .updateTable('contacts')
      .set({ restricted_at: new Date() })
      .where('org_id', '=', org.orgId)
      .where('address', '=', addresses[1])
      .execute();
    const optedOut = await api.db
      .selectFrom('contacts')
      .select('id')
      .where('org_id', '=', org.orgId)
      .where('address', '=', addresses[2])
      .executeTakeFirstOrThrow();
    await recordConsent(api.db, { orgId: org.orgId, channelId: org.channelId, contactId: optedOut.id, status: 'opted_out', source: 'api' });

    worker = await startTestStack({ TEMPORAL_TASK_QUEUE: api.config.TEMPORAL_TASK_QUEUE }, { api: false });
    const done = await eventually(
      async () => {
        const view = (await client.get(`/v1/campaigns/${created.body.id}`)).body;
        return view.status === 'completed' ? view : undefined;
      },
      60_000,
      'the campaign to complete',
    );
    expect(done.progress.skipped).toBe(3);
    expect(done.outcomes).toMatchObject({ Suppressed: 1, Restricted: 1, 'Opted out': 1 });

    const rows = await api.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select(['ct.address', 'c.status', 'c.outcome'])
      .select((eb) =>
        eb
          .exists(eb.selectFrom('messages as m').select('m.id').whereRef('m.conversation_id', '=', 'c.id').where('m.direction', '=', 'out'))
          .as('sent'),
      )
      .where('c.campaign_id', '=', created.body.id)
      .orderBy('ct.address')
      .execute();
    expect(rows.map((r) => [r.address, r.status, r.outcome, r.sent])).toEqual([
      [addresses[0], 'skipped', 'Suppressed', false],
      [addresses[1], 'skipped', 'Restricted', false],
      [addresses[2], 'skipped', 'Opted out', false],
      [addresses[3], expect.not.stringMatching(/skipped/), null, true],
    ]);
  });
});
