// A reply that reaches a conversation while it closes: finishConversation is
// held on a latch the test opens, so the reply lands in that window every time.
import type { ConversationContext, SendInput } from '../../activities/conversation';
import { conversationWorkflowId, inboundSignal } from '../../workflows/contracts';
import { validateJourney } from '../../workflows/journey';
import { eventually } from '../helpers/stack';
import { type Activities, startFakeWorker, uid } from '../helpers/worker';

const Q = 'Happy? Reply YES or NO.';
const MORE = 'Anything else? Reply YES or NO.';
const checked = validateJourney({
  name: 'Test',
  start: 'q',
  steps: [
    {
      id: 'q',
      kind: 'ask',
      text: Q,
      timeout: '1h',
      branches: [
        { match: { yesno: 'yes' }, next: 'great' },
        { match: { yesno: 'no' }, next: 'bye' },
      ],
    },
    { id: 'great', kind: 'message', text: 'Great!', next: 'more' },
    {
      id: 'more',
      kind: 'ask',
      text: MORE,
      timeout: '1h',
      branches: [
        { match: { yesno: 'yes' }, next: 'q' },
        { match: { yesno: 'no' }, next: 'bye' },
      ],
    },
    { id: 'bye', kind: 'message', text: 'Bye.', next: 'done' },
    { id: 'done', kind: 'end', outcome: 'Completed' },
  ],
});
const notice = validateJourney({
  name: 'Notice',
  start: 'thanks',
  steps: [
    { id: 'thanks', kind: 'message', text: 'Thanks, we will reply soon.', next: 'done' },
    { id: 'done', kind: 'end', outcome: 'Completed' },
  ],
});
if (!checked.ok || !notice.ok) throw new Error('invalid test journeys');
const context: ConversationContext = {
  orgId: 'org-1',
  journeyId: 'journey-1',
  journeyVersion: 1,
  journey: checked.journey,
  contact: {},
  channelKind: 'sandbox',
  settings: { timeZone: 'Europe/London', locale: 'en-GB', currency: 'GBP' },
};

function latch() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

const sends = new Map<string, string[]>();
const sent = new Set<string>();
/** Conversations that run the journey which reads no reply. */
const noticeIds = new Set<string>();
const finished: string[] = [];
const lateCalls: { conversationId: string; messageIds: string[] }[] = [];
/** The conversation whose finish the test holds, with its latches. */
let hold = { conversationId: '', entered: latch(), release: latch() };
/** What routeLateReplies answers: the successor the database would give. */
let successor: string | undefined;

const activities: Partial<Activities> = {
  loadConversation: async ({ conversationId }) =>
    noticeIds.has(conversationId) && notice.ok ? { ...context, journey: notice.journey } : context,
  // Keyed like the real activity: a local activity may run again when its workflow task is retried.
  sendMessage: async (input: SendInput) => {
    const key = `${input.conversationId}:${input.stepId}:${input.attempt}`;
    if (!sent.has(key)) sends.set(input.conversationId, [...(sends.get(input.conversationId) ?? []), input.text]);
    sent.add(key);
    return { messageId: key, providerMessageId: key };
  },
  updateConversation: async () => undefined,
  schedulePurge: async () => false,
  finishConversation: async ({ conversationId }) => {
    finished.push(conversationId);
    if (conversationId === hold.conversationId) {
      hold.entered.open();
      await hold.release.opened;
    }
  },
  routeLateReplies: async ({ conversationId, messageIds }) => {
    lateCalls.push({ conversationId, messageIds });
    return { successorId: successor };
  },
};

let worker: Awaited<ReturnType<typeof startFakeWorker>>;
beforeAll(async () => {
  worker = await startFakeWorker(activities);
});
afterAll(() => worker?.stop());

const sentTo = (conversationId: string, n: number) =>
  eventually(
    async () => ((sends.get(conversationId) ?? []).length >= n ? sends.get(conversationId) : undefined),
    15_000,
    `${n} sends to ${conversationId}`,
  );

/** Starts inbound conversation `a` with its first reply; its close waits on `hold`, and `b` is the successor it makes. */
function startHeld(a: string, b: string, firstText: string) {
  successor = b;
  hold = { conversationId: a, entered: latch(), release: latch() };
  return worker.client.workflow.signalWithStart('conversation', {
    taskQueue: worker.taskQueue,
    workflowId: `inbound:${uid()}`,
    args: [{ conversationId: a, inbound: true }],
    signal: inboundSignal,
    signalArgs: [{ messageId: uid(), text: firstText, conversationId: a }],
  });
}

describe('a reply that arrives while the conversation closes', () => {
  it.each([
    ['the API routed it to the successor it made', (next: string) => next],
    ['the API still saw the conversation live', (_next: string, own: string) => own],
  ])(
    'when it reaches an inbound conversation (%s), then the same workflow id carries on as the next conversation and answers it',
    async (_name, target) => {
      const [a, b] = [uid(), uid()];
      const handle = await startHeld(a, b, 'yes');
      expect(await sentTo(a, 3)).toEqual([Q, 'Great!', MORE]);
      await handle.signal(inboundSignal, { messageId: uid(), text: 'no', conversationId: a });
      await hold.entered.opened;
      const late = uid();
      await handle.signal(inboundSignal, { messageId: late, text: 'yes', conversationId: target(b, a) });
      hold.release.open();

      // The late "yes" answers the next conversation's first question.
      expect(await sentTo(b, 3)).toEqual([Q, 'Great!', MORE]);
      expect(lateCalls).toContainEqual({ conversationId: a, messageIds: [late] });
      expect(sends.get(a)).toEqual([Q, 'Great!', MORE, 'Bye.']);
      // A later message reaches the live successor.
      await handle.signal(inboundSignal, { messageId: uid(), text: 'no', conversationId: b });
      expect(await handle.result()).toEqual({ status: 'ended', outcome: 'Completed' });
      expect(sends.get(b)).toEqual([Q, 'Great!', MORE, 'Bye.']);
      expect(finished).toContain(b);
    },
  );

  it('when two replies come while it closes, then the next conversation reads them in the order they came', async () => {
    const [a, b] = [uid(), uid()];
    const handle = await startHeld(a, b, 'no');
    await hold.entered.opened;
    const [first, second] = [uid(), uid()];
    await handle.signal(inboundSignal, { messageId: first, text: 'no', conversationId: b });
    await handle.signal(inboundSignal, { messageId: second, text: 'yes', conversationId: b });
    hold.release.open();
    expect(await handle.result()).toEqual({ status: 'ended', outcome: 'Completed' });
    expect(sends.get(a)).toEqual([Q, 'Bye.']);
    expect(sends.get(b)).toEqual([Q, 'Bye.']);
    expect(lateCalls).toContainEqual({ conversationId: a, messageIds: [first, second] });
    // The second, never read, stays on the next conversation rather than opening a third.
    expect(lateCalls.filter((c) => c.conversationId === b)).toEqual([]);
  });

  it('when an inbound journey ends without reading the message that started it, then that message is not handed on again', async () => {
    const a = uid();
    noticeIds.add(a);
    successor = uid();
    const handle = await worker.client.workflow.signalWithStart('conversation', {
      taskQueue: worker.taskQueue,
      workflowId: `inbound:${uid()}`,
      args: [{ conversationId: a, inbound: true }],
      signal: inboundSignal,
      signalArgs: [{ messageId: uid(), text: 'hello?', conversationId: a }],
    });
    expect(await handle.result()).toEqual({ status: 'ended', outcome: 'Completed' });
    expect(sends.get(a)).toEqual(['Thanks, we will reply soon.']);
    expect(lateCalls.filter((c) => c.conversationId === a)).toEqual([]);
  });

  it('when it reaches an outbound conversation, then it is handed over as a late reply and the run ends', async () => {
    const a = uid();
    successor = undefined;
    hold = { conversationId: a, entered: latch(), release: latch() };
    const handle = await worker.client.workflow.start('conversation', {
      taskQueue: worker.taskQueue,
      workflowId: conversationWorkflowId(a),
      args: [{ conversationId: a }],
    });
    await sentTo(a, 1);
    await handle.signal(inboundSignal, { messageId: uid(), text: 'no', conversationId: a });
    await hold.entered.opened;
    const late = uid();
    await handle.signal(inboundSignal, { messageId: late, text: 'one more thing', conversationId: a });
    hold.release.open();
    expect(await handle.result()).toEqual({ status: 'ended', outcome: 'Completed' });
    expect(lateCalls).toContainEqual({ conversationId: a, messageIds: [late] });
  });
});
