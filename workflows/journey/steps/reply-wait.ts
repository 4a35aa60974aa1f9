import type { Wait } from '../types';
import { DEFAULT_TIMEOUT } from '../defaults';
import { parseDuration } from '../duration';
import { missingData, type Run, say, send, sendId, type Transition } from '../run';
import type { StepOf } from '../schema';

type ReplyStep = StepOf<'ask'> | StepOf<'verify'>;

/** Offsets from the prompt of each reminder, then of the final timeout. */
function schedule(step: ReplyStep): number[] {
  const reminders = (step.reminders ?? []).map((r) => parseDuration(r.after) ?? 0);
  return [...reminders, parseDuration(step.timeout ?? DEFAULT_TIMEOUT) ?? 0];
}

// Each wait is the gap to the next point, not a deadline: the workflow may hold
// a send for the send window, and the clock should run from the actual send.
function waitFor(step: ReplyStep, run: Run, ms: number): Wait {
  run.extra.dueAt = run.ctx.now + ms;
  return { kind: 'reply', stepId: step.id, timeoutMs: ms };
}

/** The reply wait still running, for inputs that do not apply to it. */
export function replyWait(step: ReplyStep, run: Run): Wait {
  const due = run.extra.dueAt ?? run.ctx.now;
  return { kind: 'reply', stepId: step.id, timeoutMs: Math.max(0, due - run.ctx.now) };
}

/** Sends a prompt and (re)starts the reminder and timeout clock. */
export function prompt(step: ReplyStep, run: Run, template: string, id: string): Transition {
  const text = say(run, template);
  if ('missing' in text) return missingData(run, step, text.missing);
  send(run, id, text.text);
  run.state.reminders = 0;
  return { wait: waitFor(step, run, schedule(step)[0]) };
}

/** The next reminder, or the step's timeout path once they are all sent. */
export function onTimeout(step: ReplyStep, run: Run): Transition {
  const points = schedule(step);
  const n = run.state.reminders;
  if (n >= points.length - 1) return { next: step.onTimeout };
  run.state.reminders = n + 1;
  const text = say(run, step.reminders![n].text);
  if ('missing' in text) return missingData(run, step, text.missing);
  send(run, sendId(run, step.id, `#r${n + 1}`), text.text);
  return { wait: waitFor(step, run, points[n + 1] - points[n]) };
}
