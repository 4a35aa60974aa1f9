import type { Action, Fields, Input, RunContext, StepResult } from '../../../workflows/journey';
import { advance, initialState, type Journey, validateJourney } from '../../../workflows/journey';

export const LONDON = 'Europe/London';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export function ctxAt(iso: string, contact: Fields = {}, timeZone = LONDON): RunContext {
  return { now: Date.parse(iso), timeZone, locale: 'en-GB', currency: 'GBP', contact };
}

/** A journey built for a test; fails the test at once if it does not validate. */
export function journeyOf(steps: unknown[], extra: Record<string, unknown> = {}): Journey {
  const result = validateJourney({ name: 'Test', start: (steps[0] as { id: string }).id, steps, ...extra });
  if (!result.ok) throw new Error(`test journey is invalid: ${JSON.stringify(result.errors)}`);
  return result.journey;
}

export interface Played {
  results: StepResult[];
  last: StepResult;
  actions: Action[];
  sends: string[];
  sendIds: string[];
  notes: string[];
  outcomes: string[];
  now: number;
}

/**
 * Runs "start" then each input. The clock moves as a real workflow's would:
 * a timeout fires when the reply wait runs out, a timer at the wait's end,
 * and anything else one minute later.
 */
export function play(journey: Journey, ctx: RunContext, script: Input[]): Played {
  let now = ctx.now;
  let step = advance(journey, initialState(journey), { kind: 'start' }, ctx);
  const results = [step];
  for (const input of script) {
    const wait = step.wait;
    if (input.kind === 'timeout' && wait.kind === 'reply') now += wait.timeoutMs;
    else if (input.kind === 'timer' && wait.kind === 'until') now = wait.at;
    else now += MINUTE;
    step = advance(journey, step.state, input, { ...ctx, now });
    results.push(step);
  }
  const actions = results.flatMap((r) => r.actions);
  return {
    results,
    last: step,
    actions,
    sends: actions.flatMap((a) => (a.kind === 'send' ? [a.text] : [])),
    sendIds: actions.flatMap((a) => (a.kind === 'send' ? [a.stepId] : [])),
    notes: actions.flatMap((a) => (a.kind === 'note' ? [a.text] : [])),
    outcomes: actions.flatMap((a) => (a.kind === 'outcome' ? [a.outcome] : [])),
    now,
  };
}

export const reply = (text: string): Input => ({ kind: 'reply', text });
export const timeout: Input = { kind: 'timeout' };
