import { greetingJourney } from '../fixtures/journeys';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

describe('an objection per channel and purpose is enforced before every send', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  it('when a person objects to marketing on the sandbox channel, then a marketing campaign sends them nothing and a service one still does', async () => {
    const org = await seedOrg(stack.db, greetingJourney);
    const api = apiClient(stack.url, org.apiKey);
    const address = '07911 123482';
    const phone = sandboxPhone(api, org.channelId, address);
    // The contact exists before the objection names them.
    await stack.db
      .insertInto('contacts')
      .values({ org_id: org.orgId, channel_id: org.channelId, address: '+447911123482', fields: JSON.stringify({}) })
      .execute();
    const objection = await api.post('/v1/data-subject-requests', {
      type: 'objection',
      identity: { phone: address },
      channelKind: 'sandbox',
      purpose: 'marketing',
    });
    expect(objection.status).toBe(201);
    await eventually(async () =>
      (await api.get(`/v1/data-subject-requests/${objection.body.id}`)).body.status === 'completed' ? true : undefined,
    );

    const campaign = async (purpose: string) => {
      const res = await api.post('/v1/campaigns', { journeyId: org.journeyId, channelId: org.channelId, purpose, contacts: [{ address }] });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const member = async (campaignId: string) =>
      stack.db.selectFrom('conversations').select(['status', 'outcome']).where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();

    const marketing = await campaign('marketing');
    const stopped = await eventually(async () => {
      const m = await member(marketing);
      return m.status === 'ended' ? m : undefined;
    });
    expect(stopped.outcome).toBe('Opted out');
    expect(await phone.pending()).toEqual([]);

    await campaign('service');
    expect(await phone.receive(2)).toEqual(['Hi there, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
  });
});
