import type { Input, RunContext, RunState, StepResult } from './types';
import { JOURNEY_ERROR_OUTCOME, MAX_STEPS_PER_ADVANCE } from './defaults';
import type { Extra, Run, Transition } from './run';
import { setOutcome } from './run';
import type { Journey, Step } from './schema';
import { handlerFor } from './steps';

export function initialState(journey: Journey): RunState {
  const extra = { started: false, visits: {} } satisfies Extra;
  return { stepId: journey.start, vars: {}, invalid: 0, reminders: 0, verifyFailures: {}, ended: false, extra };
}

// Inputs must not be mutated: the workflow keeps the previous state until the actions are done.
function begin(journey: Journey, state: RunState, ctx: RunContext): Run {
  const copy: RunState = JSON.parse(JSON.stringify(state));
  const extra = (copy.extra ?? {}) as Partial<Extra>;
  copy.extra = { ...extra, started: extra.started ?? false, visits: extra.visits ?? {} };
  return { journey, state: copy, extra: copy.extra as unknown as Extra, ctx, actions: [] };
}

const find = (journey: Journey, id: string | undefined): Step | undefined => journey.steps.find((s) => s.id === id);

function stop(run: Run, reason: string): StepResult {
  run.actions.push({ kind: 'note', text: `Journey stopped: ${reason}` });
  setOutcome(run, JOURNEY_ERROR_OUTCOME);
  run.state.ended = true;
  return { state: run.state, actions: run.actions, wait: { kind: 'end' } };
}

/** Follows transitions through steps that do not pause, until one does or the journey ends. */
function settle(run: Run, first: Transition): StepResult {
  let t = first;
  for (let count = 0; 'next' in t; count++) {
    if (t.next === undefined) {
      run.state.ended = true;
      return { state: run.state, actions: run.actions, wait: { kind: 'end' } };
    }
    if (count >= MAX_STEPS_PER_ADVANCE) return stop(run, `${MAX_STEPS_PER_ADVANCE} steps ran without waiting`);
    const step = find(run.journey, t.next);
    if (!step) return stop(run, `no step "${t.next}"`);
    run.state.stepId = step.id;
    run.state.invalid = 0;
    run.state.reminders = 0;
    run.extra.visits[step.id] = (run.extra.visits[step.id] ?? 0) + 1;
    delete run.extra.dueAt;
    delete run.extra.until;
    t = handlerFor(step).enter(step, run);
  }
  if (t.wait.kind === 'end') run.state.ended = true;
  return { state: run.state, actions: run.actions, wait: t.wait };
}

/** An agent hands back to a named step, else the hand-off's `next`, else the step it interrupted. */
function handback(run: Run, step: Step, stepId: string | undefined): Transition {
  if (stepId !== undefined && find(run.journey, stepId)) return { next: stepId };
  if (stepId !== undefined) run.actions.push({ kind: 'note', text: `Hand-back to unknown step "${stepId}" ignored` });
  return { next: step.kind === 'handoff' ? step.next : step.id };
}

/**
 * Feeds one input to the journey and runs it to its next pause. Returns the
 * actions to perform, in order, and what to wait for. Pure; never throws for
 * anything a customer can send.
 */
export function advance(journey: Journey, state: RunState, input: Input, ctx: RunContext): StepResult {
  if (state.ended) return { state, actions: [], wait: { kind: 'end' } };
  const run = begin(journey, state, ctx);
  const step = find(journey, run.state.stepId);
  if (!step) return stop(run, `no step "${run.state.stepId}"`);
  if (input.kind === 'start' && !run.extra.started) {
    run.extra.started = true;
    return settle(run, { next: step.id });
  }
  if (!run.extra.started) return stop(run, `"${input.kind}" arrived before "start"`);
  const handler = handlerFor(step);
  const t = input.kind === 'handback' ? handback(run, step, input.stepId) : handler.resume?.(step, input, run);
  if (t) return settle(run, t);
  const wait = handler.pause?.(step, run);
  return wait ? { state: run.state, actions: run.actions, wait } : stop(run, `step "${step.id}" cannot pause`);
}
