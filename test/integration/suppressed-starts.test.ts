import { recordConsent } from '../../db/consent';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';
import { withBodies } from '../helpers/sealed';

describe('suppressed, restricted and opted-out addresses on single starts and inbound', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db);
    api = apiClient(stack.url, org.apiKey);
    const faq = await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') });
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faq.body.id })).status).toBe(200);
    expect((await api.post('/v1/suppressions', { addresses: ['+447911123480', '+447911123490'] })).status).toBe(200);
    await stack.db
      .insertInto('contacts')
      .values(
        ['+447911123481', '+447911123491'].map((address) => ({
          org_id: org.orgId,
          channel_id: org.channelId,
          address,
          fields: JSON.stringify({}),
          restricted_at: new Date(),
        })),
      )
      .execute();
  });
  afterAll(() => stack?.stop());

  const conversationsWith = (address: string) =>
    stack.db
      .selectFrom('conversations as c')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select('c.id')
      .where('c.org_id', '=', org.orgId)
      .where('ct.address', '=', address)
      .execute();
  const start = (address: string) =>
    api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });

  it('when a start names a suppressed, restricted or opted-out address, then it answers 409 naming the reason and starts nothing', async () => {
    const optedOut = await stack.db
      .insertInto('contacts')
      .values({ org_id: org.orgId, channel_id: org.channelId, address: '+447911123482', fields: JSON.stringify({}) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordConsent(stack.db, {
      orgId: org.orgId,
      channelId: org.channelId,
      contactId: optedOut.id,
      status: 'opted_out',
      source: 'api',
    });
    for (const [address, reason] of [
      ['07911 123480', 'suppressed'],
      ['+447911123481', 'restricted'],
      ['+447911123482', 'optedOut'],
    ]) {
      const res = await start(address);
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([{ field: 'contact.address', message: reason }]);
      expect(await conversationsWith(address.startsWith('+') ? address : '+447911123480')).toEqual([]);
    }
    // Other test files use the same number in orgs of their own.
    const suppressedContacts = await stack.db
      .selectFrom('contacts')
      .select('id')
      .where('org_id', '=', org.orgId)
      .where('address', '=', '+447911123480')
      .execute();
    expect(suppressedContacts).toEqual([]);
    expect((await start('+447911123483')).status).toBe(201);
  });

  it('when a suppressed address writes in, then no conversation starts and nothing is sent', async () => {
    const phone = sandboxPhone(api, org.channelId, '+447911123490');
    const res = await phone.say('opening hours?');
    expect(res).toMatchObject({ conversationId: null, blocked: 'suppressed' });
    expect(await conversationsWith('+447911123490')).toEqual([]);
    expect(await phone.pending()).toEqual([]);
  });

  it('when a restricted contact writes in, then the message is stored and nothing is sent', async () => {
    const phone = sandboxPhone(api, org.channelId, '+447911123491');
    const res = await phone.say('opening hours?');
    expect(res).toMatchObject({ conversationId: null, blocked: 'restricted' });
    const [stored] = await withBodies(
      stack.db,
      await stack.db.selectFrom('messages').select(['body', 'routed_at']).where('id', '=', res.messageId).execute(),
    );
    expect(stored.body).toBe('opening hours?');
    expect(stored.routed_at).not.toBeNull();
    expect(await conversationsWith('+447911123491')).toEqual([]);
    expect(await phone.pending()).toEqual([]);
  });

  it('when an address that is neither writes in, then the inbound journey answers', async () => {
    const phone = sandboxPhone(api, org.channelId, '+447911123492');
    expect((await phone.say('opening hours?')).conversationId).toEqual(expect.any(String));
    expect((await phone.receive(1))[0]).toMatch(/^Hi!/);
  });
});
