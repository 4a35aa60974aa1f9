import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';

describe("another organisation's ids", () => {
  let stack: TestStack;

  beforeAll(async () => {
    // No worker: nothing writes in the background, so any change in a row count is the request's.
    stack = await startTestStack({}, { worker: false });
  });
  afterAll(() => stack?.stop());

  it('when an org uses them on any route, then it is 404 and no row changes', async () => {
    const mine = await seedOrg(stack.db, greetingJourney);
    const theirs = await seedOrg(stack.db, greetingJourney);
    const api = apiClient(stack.url, mine.apiKey);
    const owner = apiClient(stack.url, theirs.apiKey);
    const campaign = await owner.post('/v1/campaigns', {
      journeyId: theirs.journeyId,
      channelId: theirs.channelId,
      contacts: [{ address: '07911 123401' }],
    });
    const conversation = await owner.post('/v1/conversations', {
      journeyId: theirs.journeyId,
      channelId: theirs.channelId,
      contact: { address: '07911 123402' },
    });
    expect([campaign.status, conversation.status]).toEqual([201, 201]);
    const c = `/v1/campaigns/${campaign.body.id}`;
    const cv = `/v1/conversations/${conversation.body.id}`;
    const j = `/v1/journeys/${theirs.journeyId}`;
    const sb = `/v1/sandbox/${theirs.channelId}`;
    const snapshot = async () => ({
      counts: await tableCounts(stack.db, [mine.orgId, theirs.orgId]),
      campaigns: await stack.db.selectFrom('campaigns').selectAll().where('org_id', '=', theirs.orgId).execute(),
      conversations: await stack.db.selectFrom('conversations').selectAll().where('org_id', '=', theirs.orgId).execute(),
      journeys: await stack.db.selectFrom('journeys').selectAll().where('org_id', '=', theirs.orgId).execute(),
      orgs: await stack.db.selectFrom('orgs').selectAll().where('id', 'in', [mine.orgId, theirs.orgId]).orderBy('id').execute(),
    });

    const before = await snapshot();
    const requests: [string, string, unknown?][] = [
      ['GET', c],
      ['POST', `${c}/pause`],
      ['POST', `${c}/resume`],
      ['POST', `${c}/cancel`],
      ['GET', cv],
      ['GET', `${cv}/transcript`],
      ['POST', `${cv}/messages`, { text: 'hello' }],
      ['POST', `${cv}/outcome`, { outcome: 'Completed' }],
      ['POST', `${cv}/notes`, { text: 'a note' }],
      ['POST', `${cv}/handoff`, {}],
      ['POST', `${cv}/handback`, { stepId: 'hello' }],
      ['POST', `${cv}/close`, { outcome: 'Completed' }],
      ['GET', j],
      ['GET', `${j}?version=1`],
      ['PUT', j, { name: 'Taken over', definition: greetingJourney }],
      ['POST', `${sb}/inbound`, { from: '07911 123402', text: 'STOP' }],
      ['GET', `${sb}/outbox`],
      ['GET', `${sb}/outbox?address=07911123401`],
      ['GET', `/v1/channels/${theirs.channelId}`],
    ];
    const answers = [];
    for (const [method, path, body] of requests) {
      const res = await api.raw(method, path, body);
      answers.push(`${method} ${path.replace(/[0-9a-f-]{36}/g, ':id')} ${res.status} ${res.headers.get('content-type')?.split(';')[0]}`);
    }
    expect(answers).toEqual(
      requests.map(([method, path]) => `${method} ${path.replace(/[0-9a-f-]{36}/g, ':id')} 404 application/problem+json`),
    );
    expect(await snapshot()).toEqual(before);

    // The owner still sees and controls them.
    expect((await owner.get(j)).status).toBe(200);
    expect((await owner.post(`${cv}/notes`, { text: 'mine' })).status).toBe(201);
  });
});
