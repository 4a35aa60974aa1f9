// Timeouts, bad answers, agents, closing, failures and the send window,
// run through the real conversation workflow.
import type { WorkflowHandle } from '@temporalio/client';
import { conversationStateQuery, inboundSignal } from '../../workflows/contracts';
import { windowAround } from '../helpers/clock';
import { eventually } from '../helpers/stack';
import { journey, journeyHarness, type Recording, type Scenario } from './journey-script';

const harness = journeyHarness();
afterAll(() => harness.stop());

interface Row extends Scenario {
  name: string;
  then: { outcome?: string; reason?: string; notes?: string[]; check?: (rec: Recording) => void };
}

const PROMPT = 'Happy? Reply YES or NO.';
const INVALID = 'Please reply YES or NO.';

/** Greets, asks yes/no and ends "Completed"; a long timeout unless told otherwise. */
const yesNo = (ask: Record<string, unknown> = {}) =>
  journey(
    [
      { id: 'hello', kind: 'message', text: 'Hi <<firstName>>.', next: 'q' },
      {
        id: 'q',
        kind: 'ask',
        text: PROMPT,
        saveAs: 'happy',
        timeout: '1h',
        maxInvalid: 3,
        invalidText: INVALID,
        branches: [
          { match: { yesno: 'yes' }, next: 'great' },
          { match: { yesno: 'no' }, next: 'sorry' },
        ],
        onTimeout: 'noReply',
        onTooManyInvalid: 'confused',
        ...ask,
      },
      { id: 'great', kind: 'message', text: 'Great!', next: 'done' },
      { id: 'sorry', kind: 'message', text: 'Sorry to hear.', next: 'done' },
      { id: 'done', kind: 'end', outcome: 'Completed' },
      { id: 'confused', kind: 'message', text: 'Let me find someone to help.', next: 'gaveUp' },
      { id: 'gaveUp', kind: 'end', outcome: 'Too many invalid' },
      { id: 'noReply', kind: 'end', outcome: 'No response' },
    ],
    { fallbacks: { firstName: 'there' } },
  );
const greeted = { expectSends: ['Hi there.', PROMPT] };
const stepIds = (rec: Recording) => rec.sends.map((s) => s.stepId);

const rows: Row[] = [
  {
    name: 'nobody answers, the reminder goes after its delay and then the timeout path ends "No response"',
    journey: yesNo({ timeout: '3s', reminders: [{ after: '1s', text: 'Still there?' }] }),
    script: [greeted, { expectSends: ['Still there?'] }],
    then: {
      outcome: 'No response',
      check: (rec) => {
        expect(stepIds(rec)).toEqual(['hello', 'q', 'q#r1']);
        expect(rec.sends[2].at - rec.sends[1].at).toBeGreaterThanOrEqual(900);
        expect(rec.endedAt! - rec.sends[1].at).toBeGreaterThanOrEqual(2_900);
      },
    },
  },
  {
    name: 'too many invalid answers take the onTooManyInvalid path',
    journey: yesNo({ maxInvalid: 2 }),
    script: [
      greeted,
      { reply: 'maybe' },
      { expectSends: [INVALID] },
      { reply: 'perhaps' },
      { expectSends: ['Let me find someone to help.'] },
    ],
    then: { outcome: 'Too many invalid', check: (rec) => expect(stepIds(rec)).toEqual(['hello', 'q', 'q#i1', 'confused']) },
  },
  {
    name: 'replies of 10,000 characters, emoji, right-to-left text and empty text are re-prompted, then a real answer works',
    journey: yesNo({ maxInvalid: 5 }),
    script: [
      greeted,
      { reply: 'blah '.repeat(2_000) },
      { expectSends: [INVALID] },
      { reply: '🙂🎉' },
      { expectSends: [INVALID] },
      { reply: 'لا أعرف \u200Fשלום' },
      { expectSends: [INVALID] },
      { reply: '' },
      { expectSends: [INVALID] },
      { reply: 'yes' },
      { expectSends: ['Great!'] },
    ],
    then: { outcome: 'Completed', check: (rec) => expect(stepIds(rec)).toEqual(['hello', 'q', 'q#i1', 'q#i2', 'q#i3', 'q#i4', 'great']) },
  },
  {
    name: 'the same inbound messageId arrives twice, it is answered once',
    journey: yesNo(),
    script: [
      greeted,
      { reply: 'maybe', messageId: 'm1' },
      { expectSends: [INVALID] },
      { reply: 'maybe', messageId: 'm1' },
      { expectQuiet: 700 },
      { reply: 'no', messageId: 'm2' },
      { expectSends: ['Sorry to hear.'] },
    ],
    then: { outcome: 'Completed', check: (rec) => expect(stepIds(rec)).toEqual(['hello', 'q', 'q#i1', 'sorry']) },
  },
  {
    name: 'an agent sends a message while the journey waits, it goes out as the agent and the question still stands',
    journey: yesNo(),
    script: [
      greeted,
      { agent: 'Hi, Sam from the team here.' },
      { expectSends: ['Hi, Sam from the team here.'] },
      { expectQuiet: 500 },
      { reply: 'yes' },
      { expectSends: ['Great!'] },
    ],
    then: {
      outcome: 'Completed',
      check: (rec) => {
        expect(rec.sends.map((s) => s.author)).toEqual(['bot', 'bot', 'agent', 'bot']);
        expect(rec.sends[2].stepId).toMatch(/^agent:/);
      },
    },
  },
  {
    name: 'an agent takes over mid-question and hands back without a step, the question is asked again',
    journey: yesNo(),
    script: [
      greeted,
      { signal: 'handoff' },
      { reply: 'yes' },
      { signal: 'handback' },
      { expectSends: [PROMPT] },
      { reply: 'no' },
      { expectSends: ['Sorry to hear.'] },
    ],
    then: {
      outcome: 'Completed',
      check: (rec) => {
        expect(stepIds(rec)).toEqual(['hello', 'q', 'q@2', 'sorry']);
        expect(rec.statuses).toEqual(['handoff', 'active']);
      },
    },
  },
  {
    name: 'the contact opts out mid-journey (close signal), nothing more is sent and the outcome is "Opted out"',
    journey: yesNo(),
    script: [greeted, { signal: 'close', reason: 'opt_out', outcome: 'Opted out' }, { expectQuiet: 300 }],
    then: { outcome: 'Opted out', reason: 'opt_out' },
  },
  {
    name: 'the conversation is closed during a wait step, it ends at once without the later message',
    journey: journey([
      { id: 'hold', kind: 'message', text: 'Hold on.', next: 'pause' },
      { id: 'pause', kind: 'wait', duration: '1h', next: 'later' },
      { id: 'later', kind: 'message', text: 'Much later.', next: 'done' },
      { id: 'done', kind: 'end', outcome: 'Completed' },
    ]),
    script: [{ expectSends: ['Hold on.'] }, { signal: 'close', reason: 'agent' }],
    endWithin: 3_000,
    then: { outcome: undefined, reason: 'agent' },
  },
  {
    name: 'the contact opts out while enrichment runs, the message that follows it is not sent',
    journey: journey([
      { id: 'lookup', kind: 'enrich', fields: ['balance'], next: 'balance' },
      { id: 'balance', kind: 'message', text: 'You owe <<balance|currency>>.', next: 'done' },
      { id: 'done', kind: 'end', outcome: 'Informed' },
    ]),
    script: [
      { expectEnrichCalls: 1 },
      { signal: 'close', reason: 'opt_out', outcome: 'Opted out' },
      { wait: 300 },
      { enrich: { ok: true, values: { balance: '10' } } },
      { expectQuiet: 500 },
    ],
    then: { outcome: 'Opted out', reason: 'opt_out', check: (rec) => expect(rec.enrichCalls).toBe(1) },
  },
  {
    name: 'enrichment fails at a step without onError, it is noted and retried after a back-off, not at once',
    journey: journey([
      { id: 'lookup', kind: 'enrich', fields: ['balance'], next: 'balance' },
      { id: 'balance', kind: 'message', text: 'You owe <<balance|currency>>.', next: 'done' },
      { id: 'done', kind: 'end', outcome: 'Informed' },
    ]),
    script: [{ enrich: { ok: false, reason: 'not found' } }, { expectQuiet: 1_500 }, { signal: 'close', reason: 'cancelled' }],
    endWithin: 3_000,
    then: {
      outcome: undefined,
      reason: 'cancelled',
      notes: ['Enrichment failed at "lookup": not found; will retry'],
      check: (rec) => expect(rec.enrichCalls).toBe(1),
    },
  },
  {
    name: "an agent sets an outcome, it wins over the journey's own",
    journey: yesNo(),
    script: [
      greeted,
      { outcome: 'Paid' },
      { call: async (h) => expect((await h.query(conversationStateQuery)).outcome).toBe('Paid') },
      { reply: 'yes' },
      { expectSends: ['Great!'] },
    ],
    then: { outcome: 'Paid', check: (rec) => expect(rec.outcomes).toEqual([]) },
  },
  {
    name: 'the provider refuses the number for good, the conversation ends "Undeliverable" without retrying',
    journey: yesNo(),
    failSend: (s) => s.stepId === 'q',
    script: [{ expectSends: ['Hi there.'] }],
    then: {
      outcome: 'Undeliverable',
      notes: ['stopped: PermanentSendError: bad number'],
      check: (rec) => expect(rec.failedSends.map((s) => s.stepId)).toEqual(['q']),
    },
  },
  {
    name: 'the send window is open, the first message goes at once',
    journey: yesNo(),
    // Built from the server's clock when the conversation loads, which is the clock the workflow reads.
    settings: windowAround(-1, 1),
    script: [
      { expectSends: ['Hi there.', PROMPT], within: 3_000 },
      { signal: 'close', reason: 'cancelled' },
    ],
    then: { outcome: undefined, reason: 'cancelled' },
  },
  {
    name: 'the send window is closed, the first message is held; closing then ends it without sending',
    journey: yesNo(),
    settings: windowAround(2, 3),
    script: [{ expectQuiet: 2_000 }, { signal: 'close', reason: 'cancelled' }],
    endWithin: 3_000,
    then: { outcome: undefined, reason: 'cancelled' },
  },
];

describe('conversation workflow: signals, timeouts and failures', () => {
  it.concurrent.each(rows.map((r) => [r.name, r] as const))('when %s', async (_name, row) => {
    const rec = await harness.run(row);
    expect(rec.result).toEqual({ status: 'ended', outcome: row.then.outcome });
    expect(rec.finished).toEqual([{ outcome: row.then.outcome, reason: row.then.reason ?? 'journey' }]);
    expect(rec.notes).toEqual(row.then.notes ?? []);
    row.then.check?.(rec);
  });

  // 8,000 history events are slow to make (~15 s of signals), but the server also
  // suggests continue-as-new past 4 MiB of history: 16 duplicate inbound signals of
  // 400 kB (ignored by the workflow, kept in its history) get there cheaply, with
  // margin for the next reply landing in the same workflow task as the last few.
  it('when the history passes 4 MiB and the server suggests it, then it continues as new and keeps answers, seen message ids and the wait', async () => {
    const runIds: string[] = [];
    const runId = async (h: WorkflowHandle) => void runIds.push((await h.describe()).runId);
    const rec = await harness.run({
      journey: journey([
        { id: 'q1', kind: 'ask', text: 'First?', saveAs: 'a1', fallback: 'q2', timeout: '1h' },
        { id: 'q2', kind: 'ask', text: 'Second?', saveAs: 'a2', fallback: 'q3', timeout: '1h' },
        { id: 'q3', kind: 'ask', text: 'Third, after <<a1>> and <<a2>>?', saveAs: 'a3', fallback: 'bye', timeout: '1h' },
        { id: 'bye', kind: 'message', text: 'You said <<a1>>, <<a2>>, <<a3>>.', next: 'done' },
        { id: 'done', kind: 'end', outcome: 'Completed' },
      ]),
      script: [
        { expectSends: ['First?'] },
        { reply: 'red', messageId: 'm1' },
        { expectSends: ['Second?'] },
        { call: runId },
        {
          call: async (h) => {
            for (let i = 0; i < 16; i++) await h.signal(inboundSignal, { messageId: 'm1', text: 'x'.repeat(400_000) });
          },
        },
        { reply: 'blue', messageId: 'm2' },
        { expectSends: ['Third, after red and blue?'] },
        {
          call: async (h) =>
            void (await eventually(async () => ((await h.describe()).runId !== runIds[0] ? true : undefined), 10_000, 'a new run')),
        },
        { call: runId },
        // The first answer again, now only remembered through the carried state.
        { reply: 'red', messageId: 'm1' },
        { expectQuiet: 500 },
        { reply: 'green', messageId: 'm3' },
        { expectSends: ['You said red, blue, green.'] },
      ],
      endWithin: 20_000,
    });
    expect(runIds[1]).not.toBe(runIds[0]);
    expect(rec.result).toEqual({ status: 'ended', outcome: 'Completed' });
    expect(stepIds(rec)).toEqual(['q1', 'q2', 'q3', 'bye']);
  }, 120_000);
});
