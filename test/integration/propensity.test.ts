import { createJourney } from '../../db/journeys';
import { propensityJobs } from '../../db/propensity';
import type { FeatureMessage } from '../../platform/propensity/features';
import { rescoreConversation } from '../../platform/propensity/service';
import { propensityScheduleId } from '../../workflows/contracts';
import { validateJourney } from '../../workflows/journey';
import { TARGET_OUTCOME, generateHistory } from '../../scripts/bench/propensity-history';
import { seedCampaign } from '../helpers/retention-seed';
import { seedConversations } from '../helpers/propensity-seed';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const MIN = 300;

const journey = {
  name: 'Collections',
  start: 'greet',
  targetOutcome: TARGET_OUTCOME,
  steps: [
    { id: 'greet', kind: 'message', text: 'Hello', next: 'ask_pay' },
    { id: 'ask_pay', kind: 'ask', text: 'Can you pay?', branches: [{ match: { yesno: 'yes' }, next: 'confirm' }], fallback: 'close' },
    { id: 'confirm', kind: 'end', outcome: TARGET_OUTCOME },
    { id: 'close', kind: 'end', outcome: 'Declined' },
  ],
};

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 2, 18, 0) + minutes * 60_000);
const out = (step: string, minutes: number): FeatureMessage => ({
  direction: 'out',
  step,
  intent: null,
  sentiment: null,
  createdAt: at(minutes),
});
/** A quick, willing reply. */
const keen = [
  out('greet', 0),
  out('ask_pay', 0),
  { ...out('ask_pay', 3), direction: 'in' as const, intent: 'willing', sentiment: 0.8 },
  out('offer_plan', 3),
];
/** Two reminders and no reply. */
const silent = [out('greet', 0), out('ask_pay', 0), out('ask_pay#r1', 60), out('ask_pay#r2', 240)];

describe('outcome propensity', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ PROPENSITY_MIN_CONVERSATIONS: MIN, PARLEY_VALIDATE_RESPONSES: true });
  });
  afterAll(() => stack?.stop());

  const ended = (from: number, count: number) =>
    generateHistory(from + count, 5)
      .slice(from)
      .map((c) => ({ outcome: c.outcome, messages: c.messages }));
  const train = (orgId: string) =>
    stack.client.workflow.execute('propensityTraining', {
      workflowId: `propensity-test-${orgId}`,
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      args: [{ orgId }],
    });

  it('when a journey has too few ended conversations, then there is no score and the API says why; with enough, scores, a distribution and priorities', async () => {
    expect(validateJourney(journey).ok).toBe(true);
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    const campaignId = await seedCampaign(stack.db, org);
    await seedConversations(stack.db, org, ended(0, 120), { tag: 'old' });
    const [keenId, silentId] = await seedConversations(stack.db, org, [{ messages: keen }, { messages: silent }], {
      tag: 'live',
      campaignId,
    });

    const thin = `needs ${MIN} ended conversations, has 120`;
    expect((await train(org.orgId))[0]).toEqual({ journeyId: org.journeyId, trained: false, reason: thin });
    const before = await api.get(`/v1/conversations/${keenId}`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ propensity: null, propensityReason: thin, propensityModelId: null });
    const campaignBefore = await api.get(`/v1/campaigns/${campaignId}`);
    expect(campaignBefore.body.propensity).toMatchObject({
      targetOutcome: TARGET_OUTCOME,
      model: null,
      reason: thin,
      live: 2,
      scored: 0,
      quantiles: null,
    });
    expect((await api.get(`/v1/campaigns/${campaignId}/priorities`)).body).toEqual({ campaignId, reason: thin, conversations: [] });

    await seedConversations(stack.db, org, ended(120, 480), { tag: 'more' });
    const [result] = await train(org.orgId);
    if (!result.trained) throw new Error(`not trained: ${result.reason}`);
    expect(result).toMatchObject({ journeyId: org.journeyId, nTrain: expect.any(Number), scored: 2 });
    expect(result.auc).toBeGreaterThan(0.6);

    const keenView = (await api.get(`/v1/conversations/${keenId}`)).body;
    const silentView = (await api.get(`/v1/conversations/${silentId}`)).body;
    expect(keenView).toMatchObject({ propensityReason: null, propensityModelId: result.modelId });
    expect(keenView.propensity).toBeGreaterThan(silentView.propensity);
    expect(silentView.propensity).toBeGreaterThan(0);

    const campaign = (await api.get(`/v1/campaigns/${campaignId}`)).body.propensity;
    expect(campaign).toMatchObject({ model: { id: result.modelId, auc: result.auc }, reason: null, live: 2, scored: 2 });
    expect(campaign.buckets).toHaveLength(10);
    expect(campaign.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(2);
    expect(campaign.quantiles.p10).toBeLessThanOrEqual(campaign.quantiles.p90);

    const priorities = (await api.get(`/v1/campaigns/${campaignId}/priorities?limit=10`)).body;
    expect(priorities.conversations.map((c: { id: string }) => c.id)).toEqual([keenId, silentId]);
    expect(priorities.conversations[0]).toMatchObject({ status: 'active', propensity: keenView.propensity, modelId: result.modelId });
    expect((await api.get(`/v1/campaigns/${campaignId}/priorities?limit=0`)).status).toBe(400);
  });

  it('when a live conversation gets a reply, then its stored score moves', async () => {
    const org = await seedOrg(stack.db, journey);
    await seedConversations(stack.db, org, ended(0, MIN), { tag: 'old' });
    const [id] = await seedConversations(stack.db, org, [{ messages: silent }], { tag: 'live' });
    await train(org.orgId);
    const stored = async () =>
      (await stack.db.selectFrom('conversations').select('propensity').where('id', '=', id).executeTakeFirstOrThrow()).propensity;
    const first = await stored();
    expect(first).not.toBeNull();
    await stack.db
      .insertInto('messages')
      .values({
        org_id: org.orgId,
        conversation_id: id,
        channel_id: org.channelId,
        direction: 'in',
        author: 'contact',
        body: 'yes',
        status: 'received',
        step: 'ask_pay',
        intent: 'willing',
        sentiment: 0.9,
      })
      .execute();
    await rescoreConversation(stack.db, id);
    expect(await stored()).toBeGreaterThan(first!);
  });

  it('when a running conversation gets a reply through the channel, then the relay stores its fresh score', async () => {
    // No fallback: a reply that is no "yes" is re-asked, so the conversation stays live.
    const { fallback: _, ...ask } = journey.steps[1];
    const org = await seedOrg(stack.db, { ...journey, steps: [journey.steps[0], ask, journey.steps[2]] });
    await seedConversations(stack.db, org, ended(0, MIN), { tag: 'old' });
    await train(org.orgId);
    const api = apiClient(stack.url, org.apiKey);
    const address = '+447911123555';
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });
    expect(started.status).toBe(201);
    const phone = sandboxPhone(api, org.channelId, address);
    await phone.receive(2);
    const row = () =>
      stack.db
        .selectFrom('conversations')
        .select(['propensity', 'propensity_model_id', 'status'])
        .where('id', '=', started.body.id)
        .executeTakeFirstOrThrow();
    expect((await row()).propensity).toBeNull();
    await phone.say('maybe later');
    const scored = await eventually(async () => ((await row()).propensity === null ? undefined : row()));
    expect(scored).toMatchObject({ status: 'active', propensity_model_id: expect.any(String) });
  });

  it('when the journey names no target outcome, then the answer says so', async () => {
    const { targetOutcome: _, ...plain } = journey;
    const org = await seedOrg(stack.db, plain);
    const [id] = await seedConversations(stack.db, org, [{ messages: silent }], { tag: 'live' });
    const view = await apiClient(stack.url, org.apiKey).get(`/v1/conversations/${id}`);
    expect(view.body).toMatchObject({ propensity: null, propensityReason: 'the journey names no targetOutcome' });
  });

  it('when a journey names a target outcome that no step sets, then POST /v1/journeys is a 400 naming targetOutcome', async () => {
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    const [outcome] = (await api.get('/v1/org')).body.outcomes as string[];
    const steps = [{ id: 'greet', kind: 'end', outcome }];
    const bad = await api.post('/v1/journeys', { name: 'Bad', definition: { name: 'Bad', start: 'greet', targetOutcome: 'Paid', steps } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'definition.targetOutcome', message: `"Paid" is not an outcome of this journey; expected one of "${outcome}"` },
    ]);
    const good = await api.post('/v1/journeys', {
      name: 'Good',
      definition: { name: 'Good', start: 'greet', targetOutcome: outcome, steps },
    });
    expect(good.status).toBe(201);
  });

  it('when an org has several journeys to train, then the jobs page by org and journey after a cursor', async () => {
    const org = await seedOrg(stack.db, journey);
    const second = await createJourney(stack.db, { orgId: org.orgId, name: 'Second', definition: journey });
    await createJourney(stack.db, { orgId: org.orgId, name: 'No target', definition: { ...journey, targetOutcome: undefined } });
    const all = await propensityJobs(stack.db, { orgId: org.orgId, limit: 10 });
    expect(all.map((j) => j.journeyId).sort()).toEqual([org.journeyId, second].sort());
    const [first] = await propensityJobs(stack.db, { orgId: org.orgId, limit: 1 });
    expect(first).toEqual(all[0]);
    expect(await propensityJobs(stack.db, { orgId: org.orgId, after: first, limit: 10 })).toEqual([all[1]]);
    expect(await propensityJobs(stack.db, { orgId: org.orgId, after: all[1], limit: 10 })).toEqual([]);
  });

  it('when the worker has started, then the nightly training schedule exists on its task queue', async () => {
    const handle = stack.client.schedule.getHandle(propensityScheduleId(stack.config.TEMPORAL_TASK_QUEUE));
    const schedule = await eventually(async () => {
      const d = await handle.describe();
      return d.action.type === 'startWorkflow' && d.action.taskQueue === stack.config.TEMPORAL_TASK_QUEUE ? d : undefined;
    });
    expect(schedule.action).toMatchObject({ workflowType: 'propensityTraining' });
  });
});
