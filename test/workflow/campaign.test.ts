import type { CampaignProgress } from '../../workflows/contracts';
import { eventually } from '../helpers/stack';
import { type Activities, startFakeWorker, uid } from '../helpers/worker';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Fake campaign members and conversations that take `hold` to send their first message. */
function fakeCampaign(size: number, hold: () => Promise<void>) {
  const prefix = uid();
  const members = Array.from({ length: size }, (_, i) => ({ seq: i + 1, conversationId: `${prefix}-${i + 1}` }));
  const record = {
    loaded: [] as string[],
    done: new Set<string>(),
    current: 0,
    max: 0,
    statuses: [] as string[],
    remainderCancelled: false,
  };
  const activities: Partial<Activities> = {
    loadCampaign: async () => ({ journeyId: 'j1', channelKind: 'sandbox' }),
    listCampaignMembers: async ({ afterSeq, limit }) => members.filter((m) => m.seq > afterSeq).slice(0, limit),
    setCampaignStatus: async ({ status }) => void record.statuses.push(status),
    completeCampaign: async ({ afterSeq }) => !members.some((m) => m.seq > afterSeq) && record.statuses.push('completed') > 0,
    cancelCampaignRemainder: async () => {
      record.remainderCancelled = true;
      return 0;
    },
    loadConversation: (async ({ conversationId }: { conversationId: string }) => {
      record.loaded.push(conversationId);
      record.max = Math.max(record.max, ++record.current);
      await hold();
      record.current--;
      record.done.add(conversationId);
      return { skip: 'test' };
    }) as Activities['loadConversation'],
    // The rows of skipped conversations have ended: the campaign reads them as ready.
    readyMembers: async ({ conversationIds }) => conversationIds.filter((id) => record.done.has(id)),
  };
  return { members, record, activities, campaignId: `c-${prefix}` };
}

describe('campaign workflow', () => {
  it('when 45 members run with a window of 5 and 10 starts per run, then at most 5 are in flight, it continues-as-new, and every member starts exactly once', async () => {
    // Each conversation holds its first send until the window is full (or 2 s pass), so the bound is reached, not just respected.
    const c = fakeCampaign(45, async () => {
      const deadline = Date.now() + 2000;
      while (c.record.current < 5 && Date.now() < deadline) await sleep(10);
    });
    const w = await startFakeWorker(c.activities);
    try {
      const result: CampaignProgress = await w.client.workflow.execute('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 5, runLimit: 10 }],
      });
      expect(result).toEqual({ status: 'completed', started: 45, ready: 45, inFlight: 0, runs: 5 });
      expect(c.record.max).toBe(5);
      expect([...c.record.loaded].sort()).toEqual(c.members.map((m) => m.conversationId).sort());
      expect(c.record.statuses).toEqual(['running', 'completed']);
    } finally {
      await w.stop();
    }
  });

  it('when the channel sends 1.5 messages a second, then a window of 10 narrows to 3 conversations in flight (two seconds of sends)', async () => {
    // Each conversation waits for a fourth to join it (or 500 ms): a wider window would let one in.
    const c = fakeCampaign(12, async () => {
      const deadline = Date.now() + 500;
      while (c.record.current < 4 && Date.now() < deadline) await sleep(10);
    });
    c.activities.loadCampaign = async () => ({ journeyId: 'j1', channelKind: 'twilio', ratePerSecond: 1.5 });
    const w = await startFakeWorker(c.activities);
    try {
      const result: CampaignProgress = await w.client.workflow.execute('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 10, runLimit: 100 }],
      });
      expect(result).toEqual({ status: 'completed', started: 12, ready: 12, inFlight: 0, runs: 1 });
      expect(c.record.max).toBe(3);
    } finally {
      await w.stop();
    }
  });

  it('when paused, then no new conversation starts until resumed; when cancelled, then the rest never starts', async () => {
    let open = false;
    const c = fakeCampaign(30, async () => {
      while (!open) await sleep(20);
    });
    const w = await startFakeWorker(c.activities);
    try {
      const handle = await w.client.workflow.start('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 2, runLimit: 100 }],
      });
      await eventually(async () => (c.record.loaded.length === 2 ? true : undefined), 10_000, 'two in flight');
      await handle.signal('pause');
      await eventually(async () => ((await handle.query<CampaignProgress>('progress')).status === 'paused' ? true : undefined));
      open = true;
      await eventually(async () => ((await handle.query<CampaignProgress>('progress')).ready === 2 ? true : undefined));
      await sleep(500);
      expect(c.record.loaded).toHaveLength(2);

      await handle.signal('resume');
      await eventually(async () => (c.record.loaded.length >= 6 ? true : undefined), 10_000, 'more after resume');
      await handle.signal('cancel');
      const result: CampaignProgress = await handle.result();
      expect(result.status).toBe('cancelled');
      expect(result.started).toBeLessThan(30);
      expect(c.record.remainderCancelled).toBe(true);
      expect(c.record.statuses).toEqual(['running', 'paused', 'running', 'cancelled']);
    } finally {
      await w.stop();
    }
  });
  it('when members are added while the last ones are in flight, then the run pages on to them and completes only after', async () => {
    let open = false;
    const c = fakeCampaign(2, async () => {
      while (!open) await sleep(20);
    });
    const w = await startFakeWorker(c.activities);
    try {
      const handle = await w.client.workflow.start('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 5, runLimit: 100 }],
      });
      await eventually(async () => (c.record.loaded.length === 2 ? true : undefined), 10_000, 'both in flight');
      // The API stores the new members, then signals: the run has read every page by now, and is draining.
      c.members.push({ seq: 3, conversationId: `${c.campaignId}-3` }, { seq: 4, conversationId: `${c.campaignId}-4` });
      await handle.signal('membersAdded');
      await eventually(async () => (c.record.loaded.length === 4 ? true : undefined), 10_000, 'the added members started');
      open = true;
      const result: CampaignProgress = await handle.result();
      expect(result).toMatchObject({ status: 'completed', started: 4, ready: 4, inFlight: 0 });
      expect(c.record.statuses).toEqual(['running', 'completed']);
    } finally {
      await w.stop();
    }
  });

  it('when members are added without a signal, then the completion under the lock finds them and the run goes on', async () => {
    const c = fakeCampaign(2, async () => undefined);
    let looks = 0;
    c.activities.completeCampaign = async ({ afterSeq }) => {
      // The first look finds members added since the run's last page (their signal was lost).
      if (++looks === 1) c.members.push({ seq: 3, conversationId: `${c.campaignId}-3` });
      if (c.members.some((m) => m.seq > afterSeq)) return false;
      c.record.statuses.push('completed');
      return true;
    };
    const w = await startFakeWorker(c.activities);
    try {
      const result: CampaignProgress = await w.client.workflow.execute('campaign', {
        taskQueue: w.taskQueue,
        workflowId: `campaign:${c.campaignId}`,
        args: [{ campaignId: c.campaignId, orgId: 'o1', window: 5, runLimit: 100 }],
      });
      expect(result).toMatchObject({ status: 'completed', started: 3 });
      expect([...c.record.loaded].sort()).toEqual(c.members.map((m) => m.conversationId).sort());
      expect(looks).toBe(2);
    } finally {
      await w.stop();
    }
  });
});
