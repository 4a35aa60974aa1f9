import type { RunContext } from '../types';
import { addDays } from '../calendar';
import { DAY_MS, parseDuration } from '../duration';
import { lookup } from '../fields';
import { parseFieldDate } from '../field-date';
import { fieldsOf, missingData, type Run } from '../run';
import type { StepOf } from '../schema';
import { parseClock, zonedToEpoch } from '../zone';
import type { StepHandler } from './handler';

type WaitStep = StepOf<'wait'>;
type Until = NonNullable<WaitStep['until']>;

/**
 * The instant a date field names, moved by `offset` and set to local time `at`.
 * Whole days move the calendar date, so "-3d" at "10:00" stays 10:00 across DST.
 */
export function untilTime(until: Until, value: string, ctx: RunContext): number | undefined {
  const parsed = parseFieldDate(value, ctx.timeZone, ctx.now);
  if (!parsed) return undefined;
  const offset = until.offset === undefined ? 0 : (parseDuration(until.offset, true) ?? 0);
  if (parsed.epoch !== undefined && until.at === undefined) return parsed.epoch + offset;
  const days = Math.trunc(offset / DAY_MS);
  const date = addDays(parsed.date, days);
  const minutes = until.at === undefined ? 0 : (parseClock(until.at) ?? 0);
  return zonedToEpoch(date, minutes, ctx.timeZone) + (offset - days * DAY_MS);
}

/** Sleeps for a duration or until a date from a field; a time already past does not wait. */
export const wait: StepHandler<WaitStep> = {
  enter(step, run: Run) {
    let at: number | undefined;
    if (step.until) {
      const value = lookup(fieldsOf(run), step.until.field);
      at = value === undefined ? undefined : untilTime(step.until, value, run.ctx);
      if (at === undefined) return missingData(run, step, [step.until.field]);
    } else {
      at = run.ctx.now + (parseDuration(step.duration ?? 0) ?? 0);
    }
    if (at <= run.ctx.now) return { next: step.next };
    run.extra.until = at;
    return { wait: { kind: 'until', stepId: step.id, at } };
  },
  resume: (step, input) => (input.kind === 'timer' ? { next: step.next } : undefined),
  pause: (step, run) => ({ kind: 'until', stepId: step.id, at: run.extra.until ?? run.ctx.now }),
};
