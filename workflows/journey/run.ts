import type { Action, Fields, RunContext, RunState, Wait } from './types';
import { MISSING_DATA_OUTCOME } from './defaults';
import type { Journey } from './schema';
import { type Rendered, render, renderLoose } from './template';

/** The interpreter's own bookkeeping, kept in `RunState.extra`. */
export interface Extra {
  started: boolean;
  /** Times each step has been entered, so repeated sends get fresh ids. */
  visits: Record<string, number>;
  /** When the current reply wait runs out. */
  dueAt?: number;
  /** When the current wait step ends. */
  until?: number;
}

/** One `advance` call: the state being built and the actions so far. */
export interface Run {
  journey: Journey;
  state: RunState;
  extra: Extra;
  ctx: RunContext;
  actions: Action[];
}

/** Where a step sends the run: to another step (undefined ends the journey), or a pause. */
export type Transition = { next: string | undefined } | { wait: Wait };

export function fieldsOf(run: Run): Fields {
  return { ...run.ctx.contact, ...run.state.vars };
}

export function say(run: Run, template: string): Rendered {
  return render(template, fieldsOf(run), run.ctx, run.journey.fallbacks);
}

export function note(run: Run, template: string): void {
  run.actions.push({ kind: 'note', text: renderLoose(template, fieldsOf(run), run.ctx, run.journey.fallbacks) });
}

/**
 * A send id unique within the conversation: the step id, "@visit" from the
 * second visit on, then e.g. "#r1" for a reminder or "#i2" for a re-prompt.
 */
export function sendId(run: Run, stepId: string, suffix = ''): string {
  const visit = run.extra.visits[stepId] ?? 1;
  return `${visit > 1 ? `${stepId}@${visit}` : stepId}${suffix}`;
}

export function send(run: Run, id: string, text: string): void {
  run.actions.push({ kind: 'send', stepId: id, text });
}

export function setOutcome(run: Run, outcome: string): void {
  run.state.outcome = outcome;
  run.actions.push({ kind: 'outcome', outcome });
}

export function save(run: Run, name: string | undefined, value: string): void {
  if (name) run.state.vars[name] = value;
}

/**
 * A text could not be filled in. Go to the step's `onMissing`; without one,
 * end the journey with the "Missing data" outcome rather than send a broken message.
 */
export function missingData(run: Run, step: { id: string; onMissing?: string }, missing: string[]): Transition {
  run.actions.push({ kind: 'note', text: `Step "${step.id}": no value for ${missing.join(', ')}` });
  if (step.onMissing) return { next: step.onMissing };
  setOutcome(run, MISSING_DATA_OUTCOME);
  return { next: undefined };
}
