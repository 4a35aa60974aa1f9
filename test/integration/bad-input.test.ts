import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';

describe('bad input gets a precise 4xx and writes nothing', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let other: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack({ MAX_JSON_CONTACTS: 5000 }, { worker: true });
    org = await seedOrg(stack.db, greetingJourney);
    other = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const counts = () => tableCounts(stack.db, [org.orgId, other.orgId]);
  // Scoped to the caller's org: the other org's campaign keeps writing in the background.
  const orgCounts = async () => {
    const n = async (table: 'campaigns' | 'contacts' | 'conversations' | 'messages') =>
      Number(
        (
          await stack.db
            .selectFrom(table)
            .select(stack.db.fn.countAll<string>().as('n'))
            .where('org_id', '=', org.orgId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      campaigns: await n('campaigns'),
      contacts: await n('contacts'),
      conversations: await n('conversations'),
      messages: await n('messages'),
    };
  };
  const campaign = (contacts: unknown[], extra: object = {}) => ({
    journeyId: org.journeyId,
    channelId: org.channelId,
    contacts,
    ...extra,
  });

  const cases: [string, () => Promise<{ status: number; body: any; headers: Headers }>, number, RegExp][] = [
    [
      'malformed JSON',
      () => api.raw('POST', '/v1/campaigns', '{"journeyId": ', { 'content-type': 'application/json' }),
      400,
      /not valid JSON/,
    ],
    [
      'an unknown top-level field',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456' }], { colour: 'red' })),
      400,
      /colour: unknown field/,
    ],
    [
      'an unknown field on a contact',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456', phone: 'x' }])),
      400,
      /contacts\[0\]\.phone: unknown field/,
    ],
    [
      'a contact without an address',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456' }, { fields: { firstName: 'A' } }])),
      400,
      /contacts\[1\]\.address/,
    ],
    [
      'an address that is not a phone number',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456' }, { address: '07700 900123' }])),
      400,
      /contacts\[1\]\.address is not a valid phone number/,
    ],
    [
      '10,000 contacts, over the configured limit of 5,000',
      () =>
        api.post(
          '/v1/campaigns',
          campaign(Array.from({ length: 10_000 }, (_, i) => ({ address: `+4479111${String(i).padStart(5, '0')}` }))),
        ),
      400,
      /contacts: at most 5000 contacts/,
    ],
    ['no body at all', () => api.raw('POST', '/v1/campaigns'), 400, /body|journeyId/],
    [
      'a journey of another org',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456' }], { journeyId: other.journeyId })),
      422,
      /journeyId: no such journey/,
    ],
    [
      'a channel of another org',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456' }], { channelId: other.channelId })),
      422,
      /channelId: no such channel/,
    ],
    [
      'a NUL character in a contact field',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456', fields: { firstName: 'A\u0000B' } }])),
      400,
      /contacts\[0\]\.fields\.firstName: contains a NUL character/,
    ],
    [
      'a lone surrogate in a contact field',
      () =>
        api.raw('POST', '/v1/campaigns', JSON.stringify(campaign([{ address: '07911123456', fields: { firstName: 'A\udc00' } }])), {
          'content-type': 'application/json',
        }),
      400,
      /contacts\[0\]\.fields\.firstName: contains an unpaired surrogate/,
    ],
    [
      'a NUL character in a field name',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456', fields: { 'first\u0000Name': 'A' } }])),
      400,
      /contacts\[0\]\.fields: a key contains a NUL character/,
    ],
    [
      'a field named __proto__',
      () =>
        api.raw(
          'POST',
          '/v1/campaigns',
          JSON.stringify(campaign([{ address: '07911123456', fields: {} }])).replace('"fields":{}', '"fields":{"__proto__":"x"}'),
          { 'content-type': 'application/json' },
        ),
      400,
      /contacts\[0\]\.fields: "__proto__" is a reserved name/,
    ],
    [
      'a NUL character in a journey name',
      () => api.post('/v1/journeys', { name: 'J\u0000', definition: greetingJourney }),
      400,
      /name: contains a NUL character/,
    ],
    [
      'a NUL character in the query',
      () => api.get(`/v1/sandbox/${org.channelId}/outbox?address=%00`),
      400,
      /address: contains a NUL character/,
    ],
    [
      '101 fields on a contact',
      () =>
        api.post(
          '/v1/campaigns',
          campaign([{ address: '07911123456', fields: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'x'])) }]),
        ),
      400,
      /contacts\[0\]\.fields: at most 100 fields/,
    ],
    [
      'a field value of 1,001 characters',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456', fields: { note: 'x'.repeat(1001) } }])),
      400,
      /contacts\[0\]\.fields\.note: at most 1000 characters/,
    ],
    [
      'a journey definition over 256 KB',
      () =>
        api.post('/v1/journeys', {
          name: 'Big',
          definition: {
            ...greetingJourney,
            description: 'x'.repeat(1000),
            steps: Array.from({ length: 80 }, (_, i) => ({ id: `s${i}`, kind: 'message', text: 'y'.repeat(4000) })),
          },
        }),
      400,
      /definition: at most 262144 bytes/,
    ],
    [
      '101 fallbacks in a journey',
      () =>
        api.post('/v1/journeys', {
          name: 'Many',
          definition: { ...greetingJourney, fallbacks: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'x'])) },
        }),
      400,
      /definition\.fallbacks: at most 100/,
    ],
    [
      'a fallback of 4,097 characters',
      () => api.post('/v1/journeys', { name: 'Long', definition: { ...greetingJourney, fallbacks: { firstName: 'x'.repeat(4097) } } }),
      400,
      /definition\.fallbacks\.firstName/,
    ],
    [
      'nesting 200 deep',
      () => api.raw('POST', '/v1/campaigns', `${'['.repeat(200)}${']'.repeat(200)}`, { 'content-type': 'application/json' }),
      400,
      /nested more than 32 levels/,
    ],
    [
      'an Idempotency-Key of 300 characters',
      () => api.post('/v1/campaigns', campaign([{ address: '07911123456' }]), { 'idempotency-key': 'k'.repeat(300) }),
      400,
      /Idempotency-Key/,
    ],
    [
      'a locale that is not a language tag',
      () => api.raw('PATCH', '/v1/org', { locale: 'not a locale!' }),
      400,
      /locale: expected a BCP 47 language tag/,
    ],
    [
      'an empty agent message',
      () => api.post('/v1/conversations/00000000-0000-4000-8000-000000000000/messages', { text: '' }),
      404,
      /conversation not found/,
    ],
  ];

  it.each(cases)('when the request has %s, then it is refused and nothing is written', async (_name, send, status, detail) => {
    const before = await counts();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(detail);
    expect(await counts()).toEqual(before);
  });

  it("when a settings change names another data region, then it is 409 naming dataRegion and the org's settings stay as they were", async () => {
    const before = (await api.get('/v1/org')).body;
    expect(before.dataRegion).toBe('local');
    const res = await api.raw('PATCH', '/v1/org', { dataRegion: 'us-east', name: 'Moved' });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{ field: 'dataRegion', message: expect.stringMatching(/^is local/) }]);
    expect((await api.get('/v1/org')).body).toEqual(before);
    // Its own region is no move.
    expect((await api.raw('PATCH', '/v1/org', { dataRegion: 'local' })).status).toBe(200);
  });

  it('when the key is wrong or missing, then it is 401 and nothing is written', async () => {
    const before = await counts();
    const wrong = apiClient(stack.url, `pk_000000000000_${'A'.repeat(32)}`);
    const r1 = await wrong.post('/v1/campaigns', campaign([{ address: '07911123456' }]));
    const r2 = await apiClient(stack.url).post('/v1/campaigns', campaign([{ address: '07911123456' }]));
    const forged = org.apiKey.slice(0, -4) + 'AAAA';
    const r3 = await apiClient(stack.url, forged).get('/v1/journeys');
    expect([r1.status, r2.status, r3.status]).toEqual([401, 401, 401]);
    expect(r1.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await counts()).toEqual(before);
  });

  it("when an org asks for another org's campaign or conversation, then it is 404", async () => {
    const otherApi = apiClient(stack.url, other.apiKey);
    const created = await otherApi.post('/v1/campaigns', {
      journeyId: other.journeyId,
      channelId: other.channelId,
      contacts: [{ address: '07911123499' }],
    });
    expect(created.status).toBe(201);
    const conversation = await stack.db
      .selectFrom('conversations')
      .select('id')
      .where('campaign_id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    const before = await orgCounts();
    const answers = await Promise.all([
      api.get(`/v1/campaigns/${created.body.id}`),
      api.post(`/v1/campaigns/${created.body.id}/pause`),
      api.get(`/v1/conversations/${conversation.id}`),
      api.get(`/v1/conversations/${conversation.id}/transcript`),
      api.post(`/v1/conversations/${conversation.id}/messages`, { text: 'hello' }),
      api.get('/v1/campaigns/not-a-uuid'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(await orgCounts()).toEqual(before);
    expect((await otherApi.get(`/v1/campaigns/${created.body.id}`)).status).toBe(200);
  });

  it('when a token is requested with a valid key, then the token works in its place', async () => {
    const res = await api.post('/v1/auth/token');
    expect(res.status).toBe(201);
    const viaToken = await apiClient(stack.url, res.body.token).get('/v1/journeys');
    expect(viaToken.status).toBe(200);
    expect(viaToken.body.journeys.map((j: { id: string }) => j.id)).toEqual([org.journeyId]);
  });

  it('when a contact is sent again and again with new fields, then it never holds more than MAX_CONTACT_FIELDS', async () => {
    const fields = (from: number) => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${from + i}`, 'x']));
    const first = await api.post('/v1/campaigns', campaign([{ address: '07911123470', fields: fields(0) }]));
    const second = await api.post('/v1/campaigns', campaign([{ address: '07911123470', fields: fields(60) }]));
    expect([first.status, second.status]).toEqual([201, 201]);
    const contact = await stack.db
      .selectFrom('contacts')
      .select('fields')
      .where('org_id', '=', org.orgId)
      .where('address', '=', '+447911123470')
      .executeTakeFirstOrThrow();
    expect(Object.keys(contact.fields)).toEqual(expect.arrayContaining(Object.keys(fields(60))));
    expect(Object.keys(contact.fields).length).toBeLessThanOrEqual(100);
  });
});

describe('the OpenAPI document', () => {
  it('when fetched, then it describes the routes with the request schemas the handlers validate with', async () => {
    const stack = await startTestStack({ MAX_JSON_CONTACTS: 1234 }, { worker: false });
    try {
      const res = await apiClient(stack.url).get('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      const paths = Object.keys(res.body.paths);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/v1/campaigns',
          '/v1/conversations/{id}/transcript',
          '/v1/sandbox/{channelId}/inbound',
          '/v1/journeys/{id}',
        ]),
      );
      const campaign = res.body.paths['/v1/campaigns'].post.requestBody.content['application/json'].schema;
      expect(campaign.properties.contacts.maxItems).toBe(1234);
      expect(campaign.additionalProperties).toBe(false);
      expect(campaign.required).toEqual(['journeyId', 'channelId', 'contacts']);
    } finally {
      await stack.stop();
    }
  });
});

describe('when Temporal cannot take the workflow', () => {
  it('then creating a campaign or a conversation answers 503 and leaves no rows behind', async () => {
    const stack = await startTestStack({ TEMPORAL_NAMESPACE: 'no-such-namespace' }, { worker: false });
    try {
      const org = await seedOrg(stack.db, greetingJourney);
      const api = apiClient(stack.url, org.apiKey);
      const campaign = await api.post('/v1/campaigns', {
        journeyId: org.journeyId,
        channelId: org.channelId,
        contacts: [{ address: '07911123456' }],
      });
      const conversation = await api.post('/v1/conversations', {
        journeyId: org.journeyId,
        channelId: org.channelId,
        contact: { address: '07911123457' },
      });
      expect([campaign.status, conversation.status]).toEqual([503, 503]);
      expect(campaign.body.detail).toMatch(/nothing was created/);
      const left = await stack.db.selectFrom('conversations').select('id').where('org_id', '=', org.orgId).execute();
      const campaigns = await stack.db.selectFrom('campaigns').select('id').where('org_id', '=', org.orgId).execute();
      expect([left, campaigns]).toEqual([[], []]);
    } finally {
      await stack.stop();
    }
  });
});

describe('a body over MAX_BODY_BYTES', () => {
  it('when a body is over the configured size, then it is a 413 naming the limit and nothing is written', async () => {
    const stack = await startTestStack({ MAX_BODY_BYTES: 4096 }, { worker: false });
    try {
      const org = await seedOrg(stack.db, greetingJourney);
      const before = await tableCounts(stack.db, [org.orgId]);
      const res = await apiClient(stack.url, org.apiKey).post('/v1/campaigns', {
        journeyId: org.journeyId,
        channelId: org.channelId,
        contacts: [{ address: '07911123456', fields: { note: 'x'.repeat(5000) } }],
      });
      expect(res.status).toBe(413);
      expect(res.body.detail).toBe('the request body is over the limit of 4096 bytes');
      expect(await tableCounts(stack.db, [org.orgId])).toEqual(before);
    } finally {
      await stack.stop();
    }
  });
});
