// An intent branch through the real conversation workflow, and the replay of its history
// once the journey has a new version with another model.
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ConversationContext } from '../../activities/conversation';
import { conversationWorkflowId, inboundSignal } from '../../workflows/contracts';
import { validateJourney } from '../../workflows/journey';
import { trainJourney } from '../../workflows/journey/nlu/train';
import { eventually } from '../helpers/stack';
import { startFakeWorker, uid } from '../helpers/worker';
import replies from '../fixtures/nlu/replies.json';

const PAY = replies.promiseToPay.en.slice(0, 12);
const CANT = replies.cantPay.en.slice(0, 12);

function collections(intents: Record<string, Record<string, string[]>>) {
  const checked = validateJourney({
    name: 'Collect',
    start: 'q',
    language: 'en',
    intents,
    steps: [
      {
        id: 'q',
        kind: 'ask',
        text: 'When can you pay?',
        saveAs: 'answer',
        timeout: '1h',
        branches: [
          { match: { sentiment: { max: -0.5 } }, next: 'agent' },
          { match: { intent: 'promiseToPay', minScore: 0.6 }, next: 'promise' },
          { match: { intent: 'cantPay', minScore: 0.6 }, next: 'hardship' },
        ],
        fallback: 'other',
      },
      { id: 'promise', kind: 'message', text: 'Thanks, noted (<<answer>> <<answer_score>>).', next: 'end' },
      { id: 'hardship', kind: 'message', text: 'We can help with a plan.', next: 'end' },
      { id: 'agent', kind: 'message', text: 'Sorry. An adviser will be in touch.', next: 'end' },
      { id: 'other', kind: 'message', text: 'An adviser will read this.', next: 'end' },
      { id: 'end', kind: 'end', outcome: 'Answered' },
    ],
  });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return { journey: checked.journey, model: JSON.stringify(trainJourney(checked.journey)) };
}

// Version 2 swaps what the intents mean: a run still on version 1 must not notice.
const versions = [
  collections({ promiseToPay: { en: PAY }, cantPay: { en: CANT } }),
  collections({ promiseToPay: { en: CANT }, cantPay: { en: PAY } }),
];
const current = new Map<string, number>();
const sends = new Map<string, string[]>();
const intents = new Map<string, { intent: string; score: number }>();

let worker: Awaited<ReturnType<typeof startFakeWorker>>;
beforeAll(async () => {
  worker = await startFakeWorker({
    loadConversation: async ({ conversationId }): Promise<ConversationContext> => {
      const version = current.get(conversationId)!;
      const { journey, model } = versions[version - 1];
      return {
        orgId: 'org-1',
        journeyId: 'journey-1',
        journeyVersion: version,
        journey,
        ...(model ? { model } : {}),
        contact: {},
        channelKind: 'sandbox',
        settings: { timeZone: 'Europe/London', locale: 'en-GB', currency: 'GBP' },
      };
    },
    sendMessage: async ({ conversationId, text }) => {
      sends.get(conversationId)!.push(text);
      return { messageId: uid(), providerMessageId: uid() };
    },
    recordIntent: async ({ messageId, intent, score }) => void intents.set(messageId, { intent, score }),
    updateConversation: async () => undefined,
    schedulePurge: async () => false,
    finishConversation: async () => undefined,
  });
});
afterAll(() => worker.stop());

async function converse(
  version: number,
  reply: string,
  sentiment = 0,
): Promise<{ handle: WorkflowHandle; sent: string[]; messageId: string }> {
  const conversationId = uid();
  current.set(conversationId, version);
  sends.set(conversationId, []);
  const handle = await worker.client.workflow.start('conversation', {
    taskQueue: worker.taskQueue,
    workflowId: conversationWorkflowId(conversationId),
    args: [{ conversationId }],
  });
  await eventually(async () => (sends.get(conversationId)!.length > 0 ? true : undefined), 10_000, 'the question');
  expect(sends.get(conversationId)).toEqual(['When can you pay?']);
  const messageId = uid();
  await handle.signal(inboundSignal, { messageId, text: reply, sentiment });
  await handle.result();
  return { handle, sent: sends.get(conversationId)!, messageId };
}

describe('intent branches', () => {
  it('when a reply promises to pay, then the promise branch runs, the intent and score are saved and the message keeps them', async () => {
    const { sent, messageId } = await converse(1, 'ok ill pay it on friday');
    expect(sent[1]).toMatch(/^Thanks, noted \(promiseToPay (?:0\.\d+|1)\)\.$/);
    const score = Number(/(0\.\d+|1)\)/.exec(sent[1])![1]);
    expect(score).toBeGreaterThanOrEqual(0.6);
    expect(intents.get(messageId)).toEqual({ intent: 'promiseToPay', score });
  });

  it('when a reply cannot pay, then the hardship branch runs', async () => {
    expect((await converse(1, 'i cant afford anything, lost my job')).sent[1]).toBe('We can help with a plan.');
  });

  it('when a reply is very negative, then the sentiment branch hands it to an adviser before any intent', async () => {
    expect((await converse(1, 'ill pay friday, now stop bothering me', -0.8)).sent[1]).toBe('Sorry. An adviser will be in touch.');
  });

  it('when a run on version 1 is replayed after version 2 was trained, then it does not diverge, while version 2 reads the reply its own way', async () => {
    const { handle, sent } = await converse(1, 'ok ill pay it on friday');
    const history = await handle.fetchHistory();
    expect((await converse(2, 'ok ill pay it on friday')).sent[1]).toBe('We can help with a plan.');
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! } }, history, handle.workflowId);
    expect(sent[1]).toMatch(/^Thanks, noted \(promiseToPay/);
  });
});
