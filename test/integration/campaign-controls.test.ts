import { tsToMs } from '@temporalio/common/lib/time';
import { type CampaignProgress, campaignWorkflowId, conversationWorkflowId } from '../../workflows/contracts';
import { nextSendTime } from '../../workflows/journey/window';
import { greetingJourney } from '../fixtures/journeys';
import { recordHistory } from '../helpers/histories';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const phones = (n: number, base: number) =>
  Array.from({ length: n }, (_, i) => ({ address: `+4479111${base + i}`, fields: { firstName: `P${i}` } }));

describe('campaign controls through the API', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const create = (body: object, contacts = phones(2, 23400)) =>
    api.post('/v1/campaigns', { journeyId: org.journeyId, channelId: org.channelId, contacts, ...body });
  const view = async (id: string) => (await api.get(`/v1/campaigns/${id}`)).body;
  const until = <T>(what: string, check: () => Promise<T | undefined>) => eventually(check, 30_000, what);
  const rows = (campaignId: string) =>
    stack.db
      .selectFrom('conversations')
      .select(['id', 'status', 'campaign_seq'])
      .where('org_id', '=', org.orgId)
      .where('campaign_id', '=', campaignId)
      .orderBy('campaign_seq')
      .execute();
  const sentTo = async (campaignId: string) =>
    stack.db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select('m.id')
      .where('m.org_id', '=', org.orgId)
      .where('c.campaign_id', '=', campaignId)
      .where('m.direction', '=', 'out')
      .execute();

  it('when startAt has no offset, or ratePerMinute or sendWindow is wrong, then 400 names the field', async () => {
    for (const [body, field] of [
      [{ startAt: '2026-12-01 09:00' }, 'startAt'],
      [{ ratePerMinute: -1 }, 'ratePerMinute'],
      [{ sendWindow: { from: '9', to: '20:00' } }, 'sendWindow.from'],
    ] as const) {
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
  });

  it('when a campaign starts in an hour, then it is scheduled with every member pending, and a cancel ends it before any starts', async () => {
    const startAt = new Date(Date.now() + 3_600_000);
    const res = await create({ startAt: startAt.toISOString().replace('Z', '+00:00') });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('scheduled');
    expect(new Date(res.body.startAt).getTime()).toBe(startAt.getTime());
    expect(res.body.progress).toMatchObject({ pending: 2, started: 0, sent: 0 });

    const paused = await api.post(`/v1/campaigns/${res.body.id}/pause`, {});
    expect(paused.status).toBe(202);
    await until('paused', async () => ((await view(res.body.id)).status === 'paused' ? true : undefined));
    await api.post(`/v1/campaigns/${res.body.id}/cancel`, {});
    const done = await until('cancelled', async () => {
      const v = await view(res.body.id);
      return v.status === 'cancelled' ? v : undefined;
    });
    expect(done.progress).toMatchObject({ pending: 0, started: 0, skipped: 2 });
    expect(await sentTo(res.body.id)).toEqual([]);
    await recordHistory(campaignWorkflowId(res.body.id), 'campaign-scheduled');
  });

  it('when a campaign may start 2 a minute, then 2 of 4 run; progress agrees with the workflow; cancel with endRunning closes them', async () => {
    const res = await create({ ratePerMinute: 2 }, phones(4, 23410));
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const handle = stack.client.workflow.getHandle(campaignWorkflowId(id));
    // Two conversations each send the greeting and the question; the other two wait for the next minute.
    await until('4 messages sent', async () => ((await sentTo(id)).length === 4 ? true : undefined));
    const progress = await until('sends seen in the progress', async () => {
      const v = await view(id);
      return v.progress.sent === 2 && v.progress.delivered === 2 ? v.progress : undefined;
    });
    const fromWorkflow = await handle.query<CampaignProgress>('progress');
    expect(fromWorkflow.started).toBe(2);
    expect(progress).toEqual({
      pending: 2,
      started: fromWorkflow.started,
      sent: 2,
      delivered: 2,
      replied: 0,
      completed: 0,
      failed: 0,
      optedOut: 0,
      skipped: 0,
    });

    const reply = await api.post(`/v1/sandbox/${org.channelId}/inbound`, { from: '+447911123410', text: 'hmm', id: `r-${id}` });
    expect(reply.status).toBe(202);
    await until('a reply counted', async () => ((await view(id)).progress.replied === 1 ? true : undefined));

    const cancel = await api.post(`/v1/campaigns/${id}/cancel`, { endRunning: true });
    expect(cancel.status).toBe(202);
    expect(cancel.body.endRunning).toBe(true);
    const ended = await until('cancelled, with its conversations ended', async () => {
      const v = await view(id);
      return v.status === 'cancelled' && v.progress.completed === 2 ? v : undefined;
    });
    expect(ended.progress).toMatchObject({ pending: 0, started: 2, completed: 2, skipped: 2, replied: 1 });
    expect((await rows(id)).map((r) => r.status)).toEqual(['ended', 'ended', 'cancelled', 'cancelled']);
    expect(await handle.query<CampaignProgress>('progress')).toMatchObject({ status: 'cancelled', started: 2 });
    await recordHistory(campaignWorkflowId(id), 'campaign-throttled-end-running');
  });

  it('when cancelled without endRunning, then the running conversation carries on', async () => {
    const res = await create({ ratePerMinute: 1 }, phones(2, 23420));
    const id = res.body.id as string;
    await until('2 messages sent', async () => ((await sentTo(id)).length === 2 ? true : undefined));
    await api.post(`/v1/campaigns/${id}/cancel`, {});
    await until('cancelled', async () => ((await view(id)).status === 'cancelled' ? true : undefined));
    expect((await rows(id)).map((r) => r.status)).toEqual(['active', 'cancelled']);
    const running = (await rows(id))[0];
    const state = await stack.client.workflow.getHandle(conversationWorkflowId(running.id)).query<{ phase: string }>('state');
    expect(state.phase).toBe('waiting_reply');
    await stack.client.workflow.getHandle(conversationWorkflowId(running.id)).signal('close', { reason: 'cancelled' });
  });

  it('when a completed campaign is cancelled with endRunning, then its waiting conversations end and it stays completed', async () => {
    const res = await create({}, phones(2, 23440));
    const id = res.body.id as string;
    const done = await until('completed', async () => {
      const v = await view(id);
      return v.status === 'completed' ? v : undefined;
    });
    expect((await rows(id)).map((r) => r.status)).toEqual(['active', 'active']);
    expect((await api.post(`/v1/campaigns/${id}/cancel`, {})).status).toBe(409);

    const cancel = await api.post(`/v1/campaigns/${id}/cancel`, { endRunning: true });
    expect(cancel.status).toBe(202);
    await until('both ended', async () => ((await rows(id)).every((r) => r.status === 'ended') ? true : undefined));
    await until('the closing run finished', async () =>
      (await stack.client.workflow.getHandle(campaignWorkflowId(id)).describe()).status.name === 'COMPLETED' ? true : undefined,
    );
    const after = await view(id);
    expect(after.status).toBe('completed');
    expect(after.completedAt).toBe(done.completedAt);
    expect(after.progress).toMatchObject({ started: 2, completed: 2 });
  });

  it("when the send window opens in a few minutes in the recipient's zone, then the conversation waits on a timer until it opens", async () => {
    // The org is in Auckland; a UK number's window is London's. It opens 2 to 3 minutes from now.
    await stack.db
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ ...(await orgSettingsOf()), timeZone: 'Pacific/Auckland' }) })
      .where('id', '=', org.orgId)
      .execute();
    const now = Date.now();
    const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const clock = (ms: number) => london.format(new Date(ms));
    const window = { from: clock(now + 180_000), to: clock(now + 3_600_000) };
    const res = await create({ sendWindow: window }, phones(1, 23430));
    expect(res.status).toBe(201);
    expect(res.body.sendWindow).toEqual(window);
    const [row] = await rows(res.body.id);
    const handle = stack.client.workflow.getHandle(conversationWorkflowId(row.id));
    const timer = await until('a send-window timer', async () => {
      const { events } = await handle.fetchHistory();
      return events!.find((e) => e.timerStartedEventAttributes);
    });
    const firesAt = tsToMs(timer.eventTime) + tsToMs(timer.timerStartedEventAttributes!.startToFireTimeout);
    const opens = nextSendTime(now, { start: window.from, end: window.to }, 'Europe/London');
    expect(opens).toBeGreaterThan(now);
    expect(Math.abs(firesAt - opens)).toBeLessThan(1000);
    expect(await sentTo(res.body.id)).toEqual([]);
    await api.post(`/v1/campaigns/${res.body.id}/cancel`, { endRunning: true });
    await until('ended unsent', async () => ((await rows(res.body.id))[0].status === 'ended' ? true : undefined));
    expect(await sentTo(res.body.id)).toEqual([]);
    await handle.result();
    await recordHistory(conversationWorkflowId(row.id), 'greeting-send-window');
  });

  it('when the send window opens at the next minute, then nothing is sent before it opens and the first message goes out once it has', async () => {
    // The window opens at the next whole minute in London, at least 5 s away, whatever the hour.
    const now = Date.now();
    const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const minute = 60_000;
    const opensAt = Math.ceil((now + 5_000) / minute) * minute;
    const window = { from: london.format(new Date(opensAt)), to: london.format(new Date(opensAt + 60 * minute)) };
    expect(nextSendTime(now, { start: window.from, end: window.to }, 'Europe/London')).toBe(opensAt);
    const res = await create({ sendWindow: window }, phones(2, 23440));
    expect(res.status).toBe(201);
    const sent = await eventually(
      async () => {
        const out = await stack.db
          .selectFrom('messages as m')
          .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
          .select('m.created_at')
          .where('c.campaign_id', '=', res.body.id)
          .where('m.direction', '=', 'out')
          .where('m.step', '=', 'hello')
          .execute();
        return out.length === 2 ? out : undefined;
      },
      110_000,
      'both first messages sent',
    );
    // Stored just before the send, so never before the window opened (the database clock is this machine's).
    for (const m of sent) expect(m.created_at.getTime()).toBeGreaterThanOrEqual(opensAt - 500);
  }, 120_000);

  const orgSettingsOf = async () =>
    (await stack.db.selectFrom('orgs').select('settings').where('id', '=', org.orgId).executeTakeFirstOrThrow()).settings;
});
