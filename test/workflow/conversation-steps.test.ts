// Every journey step kind, run through the real conversation workflow.
import { firstSignalReadAt, isoDate, journey, journeyHarness, type Recording, type Scenario } from './journey-script';

const harness = journeyHarness();
afterAll(() => harness.stop());

interface Row extends Scenario {
  name: string;
  then: { outcome?: string; notes?: string[]; check?: (rec: Recording) => void };
}

const end = (id: string, outcome?: string) => ({ id, kind: 'end', ...(outcome ? { outcome } : {}) });
const say = (id: string, text: string, next?: string) => ({ id, kind: 'message', text, ...(next ? { next } : {}) });

// One question with a branch of each matcher kind; each branch echoes what was saved.
const menu = journey([
  {
    id: 'q',
    kind: 'ask',
    text: 'What now?',
    saveAs: 'ans',
    timeout: '1m',
    maxInvalid: 2,
    invalidText: 'Sorry?',
    branches: [
      { match: { keywords: ['pay now', 'pay online'] }, next: 'kw' },
      { match: { menu: 1 }, next: 'menu1' },
      { match: { yesno: 'yes' }, next: 'yes' },
      { match: { number: { min: 1, max: 500 } }, next: 'num' },
      { match: { date: { maxDays: 30 } }, next: 'date' },
    ],
    onTimeout: 'bye',
    onTooManyInvalid: 'bye',
  },
  say('kw', 'keywords: <<ans>>', 'bye'),
  say('menu1', 'menu: <<ans>>', 'bye'),
  say('yes', 'yes: <<ans>>', 'bye'),
  say('num', 'amount: <<ans>> = <<ans|currency>>', 'bye'),
  say('date', 'date: <<ans>>', 'bye'),
  end('bye', 'Answered'),
]);
const ask = (reply: string, echo: string): Row => ({
  name: `an ask answered "${reply}" takes the ${echo.split(':')[0]} branch and saves the value`,
  journey: menu,
  settings: { timeZone: 'UTC' },
  script: [{ expectSends: ['What now?'] }, { reply }, { expectSends: [echo] }],
  then: { outcome: 'Answered' },
});

// "tomorrow" is read on the workflow's clock, so the expected date comes from
// there too: taken from this process's clock it fails near midnight.
let tomorrowReadAt = 0;
const askTomorrow: Row = {
  name: 'an ask answered "tomorrow" takes the date branch and saves the day after the day the workflow read it, in the org zone',
  journey: menu,
  settings: { timeZone: 'Pacific/Kiritimati' },
  script: [
    { expectSends: ['What now?'] },
    { reply: 'tomorrow' },
    { expectSends: [expect.stringMatching(/^date: \d{4}-\d\d-\d\d$/)] },
    { call: async (h) => void (tomorrowReadAt = await firstSignalReadAt(h)) },
  ],
  then: {
    outcome: 'Answered',
    check: (rec) => expect(rec.sends.at(-1)!.text).toBe(`date: ${isoDate(1, 'Pacific/Kiritimati', tomorrowReadAt)}`),
  },
};

const plan = journey([
  { id: 'q', kind: 'ask', text: 'Which plan?', saveAs: 'plan', fallback: 'route', timeout: '1m' },
  { id: 'route', kind: 'branch', on: 'plan', branches: [{ match: { keywords: ['gold'] }, next: 'gold' }], fallback: 'standard' },
  say('gold', 'Gold it is, <<firstName>>.', 'done'),
  say('standard', 'Standard plan (<<plan>>).', 'done'),
  end('done', 'Plan chosen'),
]);

const idv = journey([
  {
    id: 'checkDob',
    kind: 'verify',
    field: 'dob',
    compare: 'dob',
    maxAttempts: 2,
    timeout: '1m',
    text: 'Your date of birth?',
    retryText: 'That does not match. Try again.',
    next: 'ok',
    onFail: 'locked',
    outcome: 'Failed ID&V',
  },
  say('ok', 'Thanks, verified (<<verified_checkDob>>).', 'done'),
  say('locked', 'Sorry, we could not confirm your details.', 'done'),
  end('done'),
]);

const lookup = journey([
  { id: 'lookup', kind: 'enrich', fields: ['balance', 'dueDate'], next: 'balance', onError: 'sorry' },
  say('balance', 'You owe <<balance|currency>> by <<dueDate|date>>.', 'done'),
  say('sorry', 'We could not find your account.', 'done'),
  end('done', 'Informed'),
]);

// "named" is reachable only by hand-back; onMissing keeps the validator's reachability check happy.
const handoff = journey([
  {
    id: 'agent',
    kind: 'handoff',
    text: 'Passing you to a colleague.',
    note: 'Hand-off for <<firstName>>',
    next: 'after',
    onMissing: 'named',
  },
  say('after', 'Back to the bot (next).', 'done'),
  say('named', 'Back to the bot (named step).', 'done'),
  end('done', 'Handled'),
]);

const rows: Row[] = [
  {
    name: 'a message fills placeholders and formats, and uses the fallback for a missing field',
    journey: journey(
      [say('hi', 'Hi <<firstName>>, you owe <<balance|currency>>.', 'bye'), say('bye', 'Bye <<nickname>>!', 'done'), end('done', 'Done')],
      { fallbacks: { nickname: 'friend' } },
    ),
    contact: { firstName: 'Aoife', balance: '1250.5' },
    script: [{ expectSends: ['Hi Aoife, you owe £1,250.50.', 'Bye friend!'] }],
    then: {
      outcome: 'Done',
      check: (rec) =>
        expect(rec.sends.map((s) => [s.stepId, s.attempt, s.author])).toEqual([
          ['hi', 1, 'bot'],
          ['bye', 1, 'bot'],
        ]),
    },
  },
  {
    name: 'a message with a missing field and no fallback is never sent and ends with "Missing data"',
    journey: journey([say('hi', 'Hi <<firstName>>, ref <<accountRef>>.', 'done'), end('done', 'Done')]),
    contact: { firstName: 'Aoife' },
    script: [{ expectQuiet: 300 }],
    then: { outcome: 'Missing data', notes: ['Step "hi": no value for accountRef'] },
  },
  ask('I want to PAY NOW please', 'keywords: I want to PAY NOW please'),
  ask('1', 'menu: 1'),
  ask('Yes please', 'yes: yes'),
  ask('£120.50', 'amount: 120.5 = £120.50'),
  askTomorrow,
  {
    name: 'a branch on a saved variable routes by its value',
    journey: plan,
    contact: { firstName: 'Aoife' },
    script: [{ expectSends: ['Which plan?'] }, { reply: 'GOLD please' }, { expectSends: ['Gold it is, Aoife.'] }],
    then: { outcome: 'Plan chosen' },
  },
  {
    name: 'a branch on a saved variable falls back when nothing matches',
    journey: plan,
    script: [{ expectSends: ['Which plan?'] }, { reply: 'bronze' }, { expectSends: ['Standard plan (bronze).'] }],
    then: { outcome: 'Plan chosen' },
  },
  {
    name: 'ID&V passes with the date of birth written another way',
    journey: idv,
    contact: { dob: '14/02/1985' },
    script: [{ expectSends: ['Your date of birth?'] }, { reply: '14th Feb 1985' }, { expectSends: ['Thanks, verified (true).'] }],
    then: { outcome: undefined, notes: ['ID&V passed at checkDob'] },
  },
  {
    name: 'ID&V locks out after the allowed failures, with its outcome',
    journey: idv,
    contact: { dob: '1985-02-14' },
    script: [
      { expectSends: ['Your date of birth?'] },
      { reply: '15/02/1985' },
      { expectSends: ['That does not match. Try again.'] },
      { reply: 'no idea' },
      { expectSends: ['Sorry, we could not confirm your details.'] },
    ],
    then: {
      outcome: 'Failed ID&V',
      notes: ['ID&V failed at checkDob', 'ID&V failed, locked out at checkDob'],
      check: (rec) => expect(rec.sends.map((s) => s.stepId)).toEqual(['checkDob', 'checkDob#f1', 'locked']),
    },
  },
  {
    name: 'enriched values land in a later message',
    journey: lookup,
    script: [
      { enrich: { ok: true, values: { balance: '99.5', dueDate: '2026-03-01' } } },
      { expectSends: ['You owe £99.50 by 1 March 2026.'] },
    ],
    then: { outcome: 'Informed', check: (rec) => expect(rec.enrichCalls).toBe(1) },
  },
  {
    name: 'a failed enrichment follows onError with a note',
    journey: lookup,
    script: [{ enrich: { ok: false, reason: 'not found' } }, { expectSends: ['We could not find your account.'] }],
    then: { outcome: 'Informed', notes: ['Enrichment failed at "lookup": not found'] },
  },
  {
    name: 'setField, setOutcome and addNote record without sending; a note leaves a missing value blank',
    journey: journey([
      { id: 'set', kind: 'setField', field: 'greeting', value: 'Dear <<firstName|upper>>', next: 'hi' },
      say('hi', '<<greeting>>, thanks.', 'mark'),
      { id: 'mark', kind: 'setOutcome', outcome: 'Contacted', next: 'note' },
      { id: 'note', kind: 'addNote', text: 'Spoke to <<firstName>> about <<topic>>.', next: 'done' },
      end('done'),
    ]),
    contact: { firstName: 'Aoife' },
    script: [{ expectSends: ['Dear AOIFE, thanks.'] }],
    // On the journey's last turn the outcome is written once, with the end of the row.
    then: { outcome: 'Contacted', notes: ['Spoke to Aoife about .'], check: (rec) => expect(rec.outcomes).toEqual([]) },
  },
  {
    name: 'an outcome set before a wait is written before the wait',
    journey: journey([
      { id: 'mark', kind: 'setOutcome', outcome: 'Reached', next: 'q' },
      { id: 'q', kind: 'ask', text: 'Anything else?', timeout: '1h', fallback: 'done', branches: [] },
      end('done'),
    ]),
    script: [{ expectSends: ['Anything else?'] }, { reply: 'no' }],
    then: { outcome: 'Reached', check: (rec) => expect(rec.outcomes).toEqual(['Reached']) },
  },
  {
    name: 'a hand-off waits for the agent; hand-back to a named step goes there',
    journey: handoff,
    contact: { firstName: 'Aoife' },
    script: [
      { expectSends: ['Passing you to a colleague.'] },
      { expectQuiet: 500 },
      { signal: 'handback', stepId: 'named' },
      { expectSends: ['Back to the bot (named step).'] },
    ],
    // The journey ends straight after, so the row goes from handoff to ended without "active".
    then: { outcome: 'Handled', notes: ['Hand-off for Aoife'], check: (rec) => expect(rec.statuses).toEqual(['handoff']) },
  },
  {
    name: "a hand-back without a step goes to the hand-off's next",
    journey: handoff,
    contact: { firstName: 'Aoife' },
    script: [{ expectSends: ['Passing you to a colleague.'] }, { signal: 'handback' }, { expectSends: ['Back to the bot (next).'] }],
    then: { outcome: 'Handled', notes: ['Hand-off for Aoife'] },
  },
  {
    name: 'a wait step holds the next message for its duration',
    journey: journey([
      say('hold', 'Hold on.', 'pause'),
      { id: 'pause', kind: 'wait', duration: '2s', next: 'thanks' },
      say('thanks', 'Thanks for waiting.', 'done'),
      end('done', 'Waited'),
    ]),
    script: [{ expectSends: ['Hold on.'] }, { expectQuiet: 1_000 }, { expectSends: ['Thanks for waiting.'] }],
    then: { outcome: 'Waited', check: (rec) => expect(rec.sends[1].at - rec.sends[0].at).toBeGreaterThanOrEqual(1_900) },
  },
];

describe('conversation workflow: journey steps', () => {
  it.concurrent.each(rows.map((r) => [r.name, r] as const))('when %s', async (_name, row) => {
    const rec = await harness.run(row);
    expect(rec.result).toEqual({ status: 'ended', outcome: row.then.outcome });
    expect(rec.finished).toEqual([{ outcome: row.then.outcome, reason: 'journey' }]);
    expect(rec.notes).toEqual(row.then.notes ?? []);
    row.then.check?.(rec);
  });
});
