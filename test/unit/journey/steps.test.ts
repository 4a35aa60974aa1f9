import { advance, initialState, type Journey, type RunState } from '../../../workflows/journey';
import { ctxAt, journeyOf, play, reply } from './helpers';

const ctx = ctxAt('2026-03-10T12:00:00Z', { firstName: 'Ann', tier: 'Gold', NextPaymentDate: '2026-04-02', past: '2020-01-01' });
const end = (id: string, outcome?: string) => ({ id, kind: 'end', ...(outcome ? { outcome } : {}) });

describe('message, setField, setOutcome, addNote and end', () => {
  it('when a journey runs without waiting, then every action comes back in order and it ends', () => {
    const j = journeyOf([
      { id: 'hello', kind: 'message', text: 'Hi <<firstName>>', next: 'set' },
      { id: 'set', kind: 'setField', field: 'greeting', value: 'Dear <<firstName|upper>>', next: 'say' },
      { id: 'say', kind: 'message', text: '<<greeting>>, welcome', next: 'mark' },
      { id: 'mark', kind: 'setOutcome', outcome: 'Greeted', next: 'note' },
      { id: 'note', kind: 'addNote', text: 'Greeted <<firstName>> <<surname>>', next: 'bye' },
      end('bye', 'Done'),
    ]);
    const r = advance(j, initialState(j), { kind: 'start' }, ctx);
    expect(r.actions).toEqual([
      { kind: 'send', stepId: 'hello', text: 'Hi Ann' },
      { kind: 'send', stepId: 'say', text: 'Dear ANN, welcome' },
      { kind: 'outcome', outcome: 'Greeted' },
      { kind: 'note', text: 'Greeted Ann ' },
      { kind: 'outcome', outcome: 'Done' },
    ]);
    expect(r.wait).toEqual({ kind: 'end' });
    expect(r.state).toMatchObject({ ended: true, outcome: 'Done', stepId: 'bye', vars: { greeting: 'Dear ANN' } });
  });

  it('when a step has no next, then the journey ends there without an outcome', () => {
    const j = journeyOf([{ id: 'only', kind: 'message', text: 'Bye' }]);
    const r = advance(j, initialState(j), { kind: 'start' }, ctx);
    expect(r.wait).toEqual({ kind: 'end' });
    expect(r.state.outcome).toBeUndefined();
  });

  it('when a message lacks a value and has onMissing, then it sends nothing and follows onMissing', () => {
    const j = journeyOf([
      { id: 'owe', kind: 'message', text: 'You owe <<balance|currency>>', next: 'bye', onMissing: 'generic' },
      { id: 'generic', kind: 'message', text: 'Please check your account', next: 'bye' },
      end('bye'),
    ]);
    const p = play(j, ctx, []);
    expect(p.sends).toEqual(['Please check your account']);
    expect(p.notes).toEqual(['Step "owe": no value for balance']);
  });

  it('when a message lacks a value and has no onMissing, then the journey ends with "Missing data" and sends nothing', () => {
    const j = journeyOf([{ id: 'owe', kind: 'message', text: 'You owe <<balance>>', next: 'bye' }, end('bye', 'Done')]);
    const p = play(j, ctx, []);
    expect(p.sends).toEqual([]);
    expect(p.outcomes).toEqual(['Missing data']);
    expect(p.last.wait).toEqual({ kind: 'end' });
  });

  it('when a value is missing but the journey has a fallback, then the fallback is sent', () => {
    const j = journeyOf([{ id: 'hi', kind: 'message', text: 'Hi <<nickname>>' }], { fallbacks: { nickname: 'there' } });
    expect(play(j, ctx, []).sends).toEqual(['Hi there']);
  });
});

describe('branch', () => {
  const j = journeyOf([
    {
      id: 'route',
      kind: 'branch',
      on: 'tier',
      saveAs: 'level',
      branches: [
        { match: { keywords: ['gold', 'platinum'] }, next: 'vip' },
        { match: { number: true }, next: 'scored' },
      ],
      fallback: 'standard',
    },
    { id: 'vip', kind: 'message', text: 'VIP <<level>>' },
    { id: 'scored', kind: 'message', text: 'Score <<level>>' },
    { id: 'standard', kind: 'message', text: 'Standard' },
  ]);
  const cases: [string, Record<string, string>, string][] = [
    ['the field matches a keyword', { tier: 'GOLD' }, 'VIP GOLD'],
    ['the field holds a number', { tier: '£1,000' }, 'Score 1000'],
    ['the field matches nothing', { tier: 'bronze' }, 'Standard'],
    ['the field is absent', {}, 'Standard'],
  ];
  it.each(cases)('when %s, then the branch routes accordingly', (_when, contact, sent) => {
    expect(play(j, { ...ctx, contact }, []).sends).toEqual([sent]);
  });
});

describe('enrich', () => {
  const j = journeyOf([
    { id: 'fetch', kind: 'enrich', fields: ['balance'], next: 'show', onError: 'sorry' },
    { id: 'show', kind: 'message', text: 'Balance <<balance|currency>>' },
    { id: 'sorry', kind: 'message', text: 'System down' },
  ]);

  it('when the journey reaches enrich, then it waits for the fields', () => {
    expect(play(j, ctx, []).last.wait).toEqual({ kind: 'enrich', stepId: 'fetch', fields: ['balance'] });
  });

  it('when values arrive, then they become variables and the journey continues', () => {
    const p = play(j, ctx, [{ kind: 'enriched', values: { balance: '99.5' } }]);
    expect(p.sends).toEqual(['Balance £99.50']);
    expect(p.last.state.vars.balance).toBe('99.5');
  });

  it('when enrichment returns an ID&V result name, then it is not taken', () => {
    const p = play(j, ctx, [{ kind: 'enriched', values: { balance: '1', verified_dob: 'true' } }]);
    expect(p.last.state.vars).toEqual({ balance: '1' });
  });

  it('when enrichment fails and onError is set, then it notes the failure and goes there', () => {
    const p = play(j, ctx, [{ kind: 'enrichFailed', reason: 'HTTP 503' }]);
    expect(p.sends).toEqual(['System down']);
    expect(p.notes).toEqual(['Enrichment failed at "fetch": HTTP 503']);
  });

  it('when enrichment fails and there is no onError, then it keeps waiting on the same step', () => {
    const k = journeyOf([
      { id: 'fetch', kind: 'enrich', fields: ['balance'], next: 'show' },
      { id: 'show', kind: 'message', text: 'ok' },
    ]);
    const p = play(k, ctx, [{ kind: 'enrichFailed', reason: 'timeout' }]);
    expect(p.last.actions).toEqual([]);
    expect(p.last.wait).toEqual({ kind: 'enrich', stepId: 'fetch', fields: ['balance'] });
  });
});

describe('wait', () => {
  const after = (until: Record<string, unknown>, more: Record<string, unknown> = {}): Journey =>
    journeyOf(
      [
        { id: 'w', kind: 'wait', until, next: 'go', ...more },
        { id: 'go', kind: 'message', text: 'Now' },
        { id: 'gap', kind: 'message', text: 'No date' },
      ].filter((s) => s.id !== 'gap' || more.onMissing),
    );

  it('when the wait is a duration, then it waits that long and continues on the timer', () => {
    const j = journeyOf([
      { id: 'w', kind: 'wait', duration: '3d', next: 'go' },
      { id: 'go', kind: 'message', text: 'Now' },
    ]);
    const p = play(j, ctx, [{ kind: 'timer' }]);
    expect(p.results[0].wait).toEqual({ kind: 'until', stepId: 'w', at: ctx.now + 3 * 86_400_000 });
    expect(p.sends).toEqual(['Now']);
  });

  it('when the wait is three days before a date field at 10:00, then it is 10:00 local across the DST change', () => {
    const p = play(after({ field: 'NextPaymentDate', offset: '-3d', at: '10:00' }), ctx, []);
    expect(p.last.wait).toEqual({ kind: 'until', stepId: 'w', at: Date.parse('2026-03-30T09:00:00Z') });
  });

  it('when the field holds a date-time and no "at", then the offset applies to that instant', () => {
    const p = play(after({ field: 'appt', offset: '-2h' }), { ...ctx, contact: { appt: '2026-03-20T14:30:00Z' } }, []);
    expect(p.last.wait).toEqual({ kind: 'until', stepId: 'w', at: Date.parse('2026-03-20T12:30:00Z') });
  });

  it('when the date is already past, then it does not wait', () => {
    expect(play(after({ field: 'past' }), ctx, []).sends).toEqual(['Now']);
  });

  it('when the date field is missing, then it follows onMissing', () => {
    const p = play(after({ field: 'nothing' }, { onMissing: 'gap' }), ctx, []);
    expect(p.sends).toEqual(['No date']);
  });

  it('when a reply arrives during a wait, then it is ignored and the same wait is reported', () => {
    const j = journeyOf([
      { id: 'w', kind: 'wait', duration: '1h', next: 'go' },
      { id: 'go', kind: 'message', text: 'Now' },
    ]);
    const p = play(j, ctx, [reply('hello?')]);
    expect(p.last.actions).toEqual([]);
    expect(p.last.wait).toEqual(p.results[0].wait);
  });
});

describe('handoff', () => {
  const j = journeyOf(
    [
      { id: 'ask', kind: 'ask', text: 'Need help?', branches: [{ match: { yesno: 'yes' }, next: 'agent' }], fallback: 'bye' },
      { id: 'agent', kind: 'handoff', text: 'Passing you to <<team>>', note: 'Wants help', next: 'after' },
      { id: 'after', kind: 'message', text: 'Back with the bot', next: 'bye' },
      { id: 'bye', kind: 'end', outcome: 'Done' },
    ],
    { fallbacks: { team: 'our team' } },
  );

  it('when the journey hands off, then it tells the customer, notes it and waits for the agent', () => {
    const p = play(j, ctx, [reply('yes')]);
    expect(p.last.actions).toEqual([
      { kind: 'send', stepId: 'agent', text: 'Passing you to our team' },
      { kind: 'note', text: 'Wants help' },
    ]);
    expect(p.last.wait).toEqual({ kind: 'handoff', stepId: 'agent' });
  });

  it('when the agent hands back without a step, then the hand-off step’s next runs', () => {
    const p = play(j, ctx, [reply('yes'), { kind: 'handback' }]);
    expect(p.sends.slice(-1)).toEqual(['Back with the bot']);
    expect(p.outcomes).toEqual(['Done']);
  });

  it('when the agent hands back to a named step, then that step runs', () => {
    const p = play(j, ctx, [reply('yes'), { kind: 'handback', stepId: 'bye' }]);
    expect(p.sends).not.toContain('Back with the bot');
    expect(p.last.wait).toEqual({ kind: 'end' });
  });

  it('when the agent hands back to an unknown step, then it is noted and the hand-off’s next runs', () => {
    const p = play(j, ctx, [reply('yes'), { kind: 'handback', stepId: 'nowhere' }]);
    expect(p.notes).toContain('Hand-back to unknown step "nowhere" ignored');
    expect(p.sends.slice(-1)).toEqual(['Back with the bot']);
  });

  it('when an agent took over mid-question and hands back, then the question is asked again under a new send id', () => {
    const p = play(j, ctx, [{ kind: 'handback' }]);
    expect(p.sendIds).toEqual(['ask', 'ask@2']);
    expect(p.last.wait).toMatchObject({ kind: 'reply', stepId: 'ask' });
  });
});

describe('interpreter guards', () => {
  it('when steps loop through a wait that never pauses, then the run stops with "Journey error"', () => {
    const j = journeyOf([
      { id: 'w', kind: 'wait', until: { field: 'past' }, next: 'm' },
      { id: 'm', kind: 'addNote', text: 'again', next: 'w' },
    ]);
    const p = play(j, ctx, []);
    expect(p.outcomes).toEqual(['Journey error']);
    expect(p.notes.at(-1)).toBe('Journey stopped: 200 steps ran without waiting');
    expect(p.last.state.ended).toBe(true);
  });

  it('when an unvalidated journey loops, then advance still returns', () => {
    const bad = { name: 'x', start: 'a', steps: [{ id: 'a', kind: 'setField', field: 'n', value: '1', next: 'a' }] } as Journey;
    expect(advance(bad, initialState(bad), { kind: 'start' }, ctx).state.outcome).toBe('Journey error');
  });

  it('when the state names a step the journey lacks, then the run stops with "Journey error"', () => {
    const j = journeyOf([{ id: 'a', kind: 'message', text: 'x' }]);
    const r = advance(j, { ...initialState(j), stepId: 'gone' }, { kind: 'start' }, ctx);
    expect(r.actions).toEqual([
      { kind: 'note', text: 'Journey stopped: no step "gone"' },
      { kind: 'outcome', outcome: 'Journey error' },
    ]);
  });

  it('when the journey has ended, then further input does nothing', () => {
    const j = journeyOf([{ id: 'a', kind: 'message', text: 'x' }]);
    const done = advance(j, initialState(j), { kind: 'start' }, ctx);
    expect(advance(j, done.state, reply('hello'), ctx)).toEqual({ state: done.state, actions: [], wait: { kind: 'end' } });
  });

  it('when start arrives twice, then the second is ignored', () => {
    const j = journeyOf([{ id: 'q', kind: 'ask', text: 'Q?', fallback: 'q' }]);
    const first = advance(j, initialState(j), { kind: 'start' }, ctx);
    const again = advance(j, first.state, { kind: 'start' }, ctx);
    expect(again.actions).toEqual([]);
    expect(again.wait).toEqual(first.wait);
  });

  it('when advance runs, then the state passed in is left untouched', () => {
    const j = journeyOf([{ id: 'q', kind: 'ask', text: 'Q?', saveAs: 'a', fallback: 'q' }]);
    const first = advance(j, initialState(j), { kind: 'start' }, ctx);
    const frozen = JSON.parse(JSON.stringify(first.state)) as RunState;
    deepFreeze(first.state);
    const next = advance(j, first.state, reply('hello'), ctx);
    expect(first.state).toEqual(frozen);
    expect(next.state.vars.a).toBe('hello');
  });
});

function deepFreeze(value: unknown): void {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    Object.values(value).forEach(deepFreeze);
  }
}
