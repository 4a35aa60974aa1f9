// A conversation whose workflow task keeps failing must not stop the others, nor the worker.
import { defaultPayloadConverter } from '@temporalio/common';
import type { ConversationContext } from '../../activities/conversation';
import { conversationWorkflowId, inboundSignal } from '../../workflows/contracts';
import { type Journey, validateJourney } from '../../workflows/journey';
import { type Activities, startFakeWorker, uid } from '../helpers/worker';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// The matcher from the incident: it backtracks for hours on "aaa…a!" in a backtracking engine.
const checked = validateJourney({
  name: 'Reference',
  start: 'q',
  steps: [
    { id: 'q', kind: 'ask', text: 'Your reference?', branches: [{ match: { regex: '^(a|a)*$' }, next: 'ok' }], fallback: 'other' },
    { id: 'ok', kind: 'end', outcome: 'Matched' },
    { id: 'other', kind: 'end', outcome: 'Not matched' },
  ],
});
if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
// No step handler exists for this kind, so the interpreter throws a TypeError: a bug, not a business outcome.
const broken = { name: 'Broken', start: 'x', steps: [{ id: 'x', kind: 'explode' }] } as unknown as Journey;

describe('workflow task isolation', () => {
  const poisoned = uid();
  const sent: Record<string, string[]> = {};
  const finished: Record<string, string | undefined> = {};
  const context = (conversationId: string): ConversationContext => ({
    orgId: 'org-1',
    journeyId: 'journey-1',
    journeyVersion: 1,
    contact: {},
    channelKind: 'sandbox',
    settings: { timeZone: 'Europe/London', locale: 'en-GB', currency: 'GBP' },
    journey: conversationId === poisoned ? broken : checked.journey,
  });
  const activities: Partial<Activities> = {
    loadConversation: async ({ conversationId }) => context(conversationId),
    sendMessage: async ({ conversationId, text }) => {
      (sent[conversationId] ??= []).push(text);
      return { messageId: uid(), providerMessageId: uid() };
    },
    updateConversation: async () => undefined,
    schedulePurge: async () => false,
    finishConversation: async ({ conversationId, outcome }) => void (finished[conversationId] = outcome),
  };
  let worker: Awaited<ReturnType<typeof startFakeWorker>>;
  beforeAll(async () => (worker = await startFakeWorker(activities)));
  afterAll(() => worker.stop());

  it('when one conversation fails its workflow task again and again, then the others complete and the worker stays up', async () => {
    const start = (conversationId: string) =>
      worker.client.workflow.start('conversation', {
        taskQueue: worker.taskQueue,
        workflowId: conversationWorkflowId(conversationId),
        args: [{ conversationId }],
      });
    const bad = await start(poisoned);
    await until('the broken conversation to fail its task twice', async () => {
      const { raw } = await bad.describe();
      return (raw.pendingWorkflowTask?.attempt ?? 0) >= 2 ? true : undefined;
    });

    const others = [uid(), uid(), uid()];
    const handles = await Promise.all(others.map(start));
    await until('every prompt', async () => (others.every((id) => sent[id]?.length === 1) ? true : undefined));
    await Promise.all(handles.map((h, i) => h.signal(inboundSignal, { messageId: uid(), text: i === 0 ? 'aaaa' : `${'a'.repeat(40)}!` })));
    const results = await Promise.all(handles.map((h) => h.result()));

    expect(results.map((r) => r.outcome)).toEqual(['Matched', 'Not matched', 'Not matched']);
    expect(others.map((id) => finished[id])).toEqual(['Matched', 'Not matched', 'Not matched']);
    expect(worker.worker.getState()).toBe('RUNNING');
    const { status, raw } = await bad.describe();
    expect(status.name).toBe('RUNNING');
    expect(raw.pendingWorkflowTask?.attempt).toBeGreaterThanOrEqual(2);
    const history = await bad.fetchHistory();
    const failure = history.events?.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure;
    // The failure converter moves the message into an encoded payload; this worker has no codec, so it is plain JSON here.
    expect(failure?.message).toBe('Encoded failure');
    const attributes = defaultPayloadConverter.fromPayload<{ message: string }>(failure!.encodedAttributes as never);
    expect(attributes.message).toMatch(/enter|undefined/);
    await bad.terminate('test over');
  }, 120_000);
});
