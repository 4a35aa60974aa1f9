import { ctxAt, journeyOf, play, reply, timeout } from './helpers';

const contact = { dob: '1985-02-14', postcode: 'SW1A 1AA' };
const ctx = ctxAt('2026-03-10T12:00:00Z', contact);

const idv = journeyOf([
  {
    id: 'dob',
    kind: 'verify',
    text: 'Your date of birth?',
    retryText: 'No match, try again',
    field: 'dob',
    compare: 'dob',
    maxAttempts: 3,
    next: 'pc',
    onFail: 'locked',
    outcome: 'Failed ID&V',
    timeout: '1h',
    onTimeout: 'gone',
  },
  { id: 'pc', kind: 'verify', text: 'Postcode?', field: 'postcode', compare: 'postcode', next: 'ok', onFail: 'locked' },
  { id: 'ok', kind: 'message', text: 'Thanks, verified (<<verified_dob>>)', next: 'done' },
  { id: 'locked', kind: 'message', text: 'Sorry, we could not verify you', next: 'done' },
  { id: 'gone', kind: 'end', outcome: 'No response' },
  { id: 'done', kind: 'end' },
]);

describe('verify (ID&V)', () => {
  it('when both answers match in any format, then verification passes and the answers are not kept', () => {
    const p = play(idv, ctx, [reply('14 Feb 85'), reply('sw1a1aa')]);
    expect(p.sends).toEqual(['Your date of birth?', 'Postcode?', 'Thanks, verified (true)']);
    expect(p.actions.filter((a) => a.kind === 'verified')).toEqual([
      { kind: 'verified', stepId: 'dob', ok: true, lockedOut: false },
      { kind: 'verified', stepId: 'pc', ok: true, lockedOut: false },
    ]);
    expect(p.last.state.vars).toEqual({ verified_dob: 'true', verified_pc: 'true' });
    const everything = JSON.stringify(p.results.map((r) => r.state));
    expect(everything).not.toMatch(/14 Feb 85|sw1a1aa/i);
  });

  it('when the answer is wrong twice then right, then it retries with counted ids and passes', () => {
    const p = play(idv, ctx, [reply('01/01/1990'), reply('15/02/1985'), reply('14/02/1985')]);
    expect(p.sendIds.slice(0, 4)).toEqual(['dob', 'dob#f1', 'dob#f2', 'pc']);
    expect(p.sends[1]).toBe('No match, try again');
    expect(p.actions.filter((a) => a.kind === 'verified').map((a) => a.kind === 'verified' && a.ok)).toEqual([false, false, true]);
  });

  it('when the answer is wrong maxAttempts times, then the contact is locked out with the outcome', () => {
    const p = play(idv, ctx, [reply('nope'), reply('🙂'), reply('')]);
    expect(p.actions.filter((a) => a.kind === 'verified').at(-1)).toEqual({ kind: 'verified', stepId: 'dob', ok: false, lockedOut: true });
    expect(p.outcomes).toEqual(['Failed ID&V']);
    expect(p.sends.at(-1)).toBe('Sorry, we could not verify you');
    expect(p.last.state.vars.verified_dob).toBe('false');
    expect(p.last.state.verifyFailures).toEqual({ dob: 3 });
  });

  it('when a locked-out step is visited again, then it locks out at once without asking', () => {
    const p = play(idv, ctx, [reply('a'), reply('b'), reply('c')]);
    const j = journeyOf([
      { id: 'dob', kind: 'verify', text: 'DOB?', field: 'dob', compare: 'dob', next: 'dob', onFail: 'h' },
      { id: 'h', kind: 'handoff', next: 'dob' },
    ]);
    const q = play(j, ctx, [reply('a'), reply('b'), reply('c'), { kind: 'handback' }]);
    expect(p.last.state.ended).toBe(true);
    expect(q.sendIds).toEqual(['dob', 'dob#f1', 'dob#f2']);
    expect(q.last.actions).toEqual([{ kind: 'verified', stepId: 'dob', ok: false, lockedOut: true }]);
    expect(q.last.wait).toEqual({ kind: 'handoff', stepId: 'h' });
  });

  it('when the contact has no value to compare, then it notes it and takes the fail path without asking', () => {
    const p = play(idv, { ...ctx, contact: {} }, []);
    expect(p.sends).toEqual(['Sorry, we could not verify you']);
    expect(p.notes).toEqual(['ID&V "dob" not possible: the contact has no dob']);
    expect(p.outcomes).toEqual([]);
  });

  it('when the customer does not answer, then the timeout path runs', () => {
    expect(play(idv, ctx, [timeout]).outcomes).toEqual(['No response']);
  });

  it('when the exact comparison is used, then case and surrounding spaces are ignored', () => {
    const j = journeyOf([
      { id: 'name', kind: 'verify', text: 'Surname?', field: 'surname', compare: 'exact', next: 'ok' },
      { id: 'ok', kind: 'message', text: 'ok' },
    ]);
    expect(play(j, { ...ctx, contact: { surname: "O'Brien" } }, [reply("  o'brien ")]).sends).toEqual(['Surname?', 'ok']);
  });
});
