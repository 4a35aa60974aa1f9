import { tsToMs } from '@temporalio/common/lib/time';
import type { CampaignProgress } from '../../workflows/contracts';
import { eventually } from '../helpers/stack';
import { type Activities, startFakeWorker, uid } from '../helpers/worker';

/** Fake members whose conversations are skipped at once: each is ready as soon as it starts. */
function fakeCampaign(size: number) {
  const prefix = uid();
  const members = Array.from({ length: size }, (_, i) => ({ seq: i + 1, conversationId: `${prefix}-${i + 1}` }));
  const record = {
    loaded: [] as { id: string; at: number }[],
    statuses: [] as string[],
    live: [] as { seq: number; conversationId: string }[],
  };
  const activities: Partial<Activities> = {
    loadCampaign: async () => ({ journeyId: 'j1', channelKind: 'sandbox' }),
    listCampaignMembers: async ({ afterSeq, limit }) => members.filter((m) => m.seq > afterSeq).slice(0, limit),
    setCampaignStatus: async ({ status }) => void record.statuses.push(status),
    completeCampaign: async ({ afterSeq }) => !members.some((m) => m.seq > afterSeq) && record.statuses.push('completed') > 0,
    cancelCampaignRemainder: async () => 0,
    liveCampaignMembers: async ({ afterSeq, limit }) => record.live.filter((m) => m.seq > afterSeq).slice(0, limit),
    loadConversation: (async ({ conversationId }: { conversationId: string }) => {
      record.loaded.push({ id: conversationId, at: Date.now() });
      return { skip: 'test' };
    }) as Activities['loadConversation'],
    readyMembers: async ({ conversationIds }) => conversationIds.filter((id) => record.loaded.some((l) => l.id === id)),
  };
  return { record, activities, campaignId: `c-${prefix}` };
}

const progressOf = (handle: { query: <T>(name: string) => Promise<T> }) => handle.query<CampaignProgress>('progress');

describe('campaign controls', () => {
  it('when the campaign starts in 3 s, then it is scheduled and no member starts before then, and all start after', async () => {
    const c = fakeCampaign(4);
    const w = await startFakeWorker(c.activities);
    try {
      const startAt = Date.now() + 3000;
      const handle = await w.client.workflow.start('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 5, runLimit: 100, startAt: new Date(startAt).toISOString() }],
      });
      await eventually(async () => ((await progressOf(handle)).status === 'scheduled' ? true : undefined), 10_000, 'scheduled');
      const result: CampaignProgress = await handle.result();
      expect(result).toMatchObject({ status: 'completed', started: 4 });
      expect(c.record.loaded).toHaveLength(4);
      // The worker's clock and the server's agree to well within a second here.
      expect(Math.min(...c.record.loaded.map((l) => l.at))).toBeGreaterThanOrEqual(startAt - 500);
      expect(c.record.statuses).toEqual(['running', 'completed']);
    } finally {
      await w.stop();
    }
  });

  it('when the start time has passed, then the campaign starts at once without waiting on a timer', async () => {
    const c = fakeCampaign(2);
    const w = await startFakeWorker(c.activities);
    try {
      const handle = await w.client.workflow.start('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 5, runLimit: 100, startAt: '2020-01-01T00:00:00+02:00' }],
      });
      expect(await handle.result()).toMatchObject({ status: 'completed', started: 2 });
      const { events } = await handle.fetchHistory();
      // Only the short timers of readiness polling, none to wait for the start.
      const timers = events!.filter((e) => e.timerStartedEventAttributes);
      expect(timers.filter((e) => tsToMs(e.timerStartedEventAttributes!.startToFireTimeout) > 1000)).toEqual([]);
    } finally {
      await w.stop();
    }
  });

  it('when paused, resumed and cancelled while scheduled, then its status follows and no member ever starts', async () => {
    const c = fakeCampaign(3);
    const w = await startFakeWorker(c.activities);
    try {
      const handle = await w.client.workflow.start('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [
          { campaignId: c.campaignId, orgId: 'o1', window: 5, runLimit: 100, startAt: new Date(Date.now() + 3_600_000).toISOString() },
        ],
      });
      await eventually(async () => ((await progressOf(handle)).status === 'scheduled' ? true : undefined), 10_000, 'scheduled');
      await handle.signal('pause');
      await eventually(async () => ((await progressOf(handle)).status === 'paused' ? true : undefined), 10_000, 'paused');
      await handle.signal('resume');
      await eventually(async () => ((await progressOf(handle)).status === 'scheduled' ? true : undefined), 10_000, 'scheduled again');
      await handle.signal('cancel');
      expect(await handle.result()).toMatchObject({ status: 'cancelled', started: 0 });
      expect(c.record.loaded).toEqual([]);
      expect(c.record.statuses).toEqual(['paused', 'scheduled', 'cancelled']);
    } finally {
      await w.stop();
    }
  });

  it('when the campaign may start 3 a minute, then 3 of 5 start, then it sleeps a minute on a timer; cancel with endRunning closes the live ones', async () => {
    const c = fakeCampaign(5);
    const w = await startFakeWorker(c.activities);
    try {
      const handle = await w.client.workflow.start('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 10, runLimit: 100, ratePerMinute: 3 }],
      });
      const timer = await eventually(
        async () => {
          const { events } = await handle.fetchHistory();
          return events!.find((e) => e.timerStartedEventAttributes);
        },
        15_000,
        'a throttle timer',
      );
      const delay = tsToMs(timer.timerStartedEventAttributes!.startToFireTimeout);
      // A minute from the starts, less the time the workflow took to get back to the throttle.
      expect(delay).toBeGreaterThan(30_000);
      expect(delay).toBeLessThanOrEqual(60_000);
      expect((await progressOf(handle)).started).toBe(3);
      expect(c.record.loaded.map((l) => l.id)).toHaveLength(3);

      // Conversations that do not exist: the close signals fail and the campaign still ends.
      c.record.live.push({ seq: 1, conversationId: `${c.campaignId}-gone-1` }, { seq: 2, conversationId: `${c.campaignId}-gone-2` });
      await handle.signal('cancel', { endRunning: true });
      expect(await handle.result()).toMatchObject({ status: 'cancelled', started: 3 });
      const { events } = await handle.fetchHistory();
      const closes = events!.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes);
      expect(closes.map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes!.workflowExecution!.workflowId).sort()).toEqual([
        `conversation:${c.campaignId}-gone-1`,
        `conversation:${c.campaignId}-gone-2`,
      ]);
    } finally {
      await w.stop();
    }
  });

  it('when a run hands on the closing of running conversations, then the next run closes those after where it stopped and ends cancelled', async () => {
    const c = fakeCampaign(0);
    c.record.live.push(...[1, 2, 3].map((seq) => ({ seq, conversationId: `${c.campaignId}-live-${seq}` })));
    const w = await startFakeWorker(c.activities);
    try {
      const carried = {
        status: 'cancelled',
        started: 3,
        ready: 3,
        inFlight: 0,
        runs: 1,
        afterSeq: 3,
        inFlightIds: [],
        paused: false,
        closeAfterSeq: 1,
      };
      const handle = await w.client.workflow.start('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 5, runLimit: 100, carried }],
      });
      expect(await handle.result()).toMatchObject({ status: 'cancelled', started: 3, runs: 2 });
      const { events } = await handle.fetchHistory();
      const closed = events!
        .filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)
        .map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes!.workflowExecution!.workflowId);
      expect(closed.sort()).toEqual([`conversation:${c.campaignId}-live-2`, `conversation:${c.campaignId}-live-3`]);
      expect(c.record.statuses).toEqual(['cancelled']);
      expect(c.record.loaded).toEqual([]);
    } finally {
      await w.stop();
    }
  });
});
