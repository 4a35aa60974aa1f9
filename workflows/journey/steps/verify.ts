import { DEFAULT_MAX_ATTEMPTS } from '../defaults';
import { lookup } from '../fields';
import { compareIdv } from '../idv';
import { type Run, sendId, setOutcome, type Transition } from '../run';
import type { StepOf } from '../schema';
import { clip, MAX_REPLY_CHARS } from '../text';
import { zonedTime } from '../zone';
import type { StepHandler } from './handler';
import { onTimeout, prompt, replyWait } from './reply-wait';

type Verify = StepOf<'verify'>;

// The contact's own record first: a variable could hold something the customer typed.
const expected = (step: Verify, run: Run) => lookup(run.ctx.contact, step.field) ?? lookup(run.state.vars, step.field);

function lockOut(step: Verify, run: Run): Transition {
  run.state.vars[`verified_${step.id}`] = 'false';
  run.actions.push({ kind: 'verified', stepId: step.id, ok: false, lockedOut: true });
  if (step.outcome) setOutcome(run, step.outcome);
  return { next: step.onFail };
}

/** Compares the answer; only the verdict is kept, never the answer itself. */
function check(step: Verify, reply: string, run: Run): Transition {
  const value = expected(step, run);
  const thisYear = zonedTime(run.ctx.now, run.ctx.timeZone).year;
  if (value !== undefined && compareIdv(step.compare, clip(reply, MAX_REPLY_CHARS), value, thisYear)) {
    run.state.vars[`verified_${step.id}`] = 'true';
    run.actions.push({ kind: 'verified', stepId: step.id, ok: true, lockedOut: false });
    return { next: step.next };
  }
  const failures = (run.state.verifyFailures[step.id] ?? 0) + 1;
  run.state.verifyFailures[step.id] = failures;
  if (failures >= (step.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) return lockOut(step, run);
  run.actions.push({ kind: 'verified', stepId: step.id, ok: false, lockedOut: false });
  return prompt(step, run, step.retryText ?? step.text, sendId(run, step.id, `#f${failures}`));
}

export const verify: StepHandler<Verify> = {
  enter(step, run) {
    // Failures count across visits, so looping back cannot reset a lock-out.
    if ((run.state.verifyFailures[step.id] ?? 0) >= (step.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) return lockOut(step, run);
    if (expected(step, run) === undefined) {
      run.actions.push({ kind: 'note', text: `ID&V "${step.id}" not possible: the contact has no ${step.field}` });
      run.state.vars[`verified_${step.id}`] = 'false';
      run.actions.push({ kind: 'verified', stepId: step.id, ok: false, lockedOut: false });
      return { next: step.onFail };
    }
    return prompt(step, run, step.text, sendId(run, step.id));
  },
  resume(step, input, run) {
    if (input.kind === 'reply') return check(step, typeof input.text === 'string' ? input.text : '', run);
    if (input.kind === 'timeout') return onTimeout(step, run);
    return undefined;
  },
  pause: replyWait,
};
