import type { Step } from '../schema';
import { ask } from './ask';
import { branch } from './branch';
import { enrich } from './enrich';
import type { StepHandler } from './handler';
import { handoff } from './handoff';
import { message } from './message';
import { addNote, end, setField, setOutcomeStep } from './record';
import { verify } from './verify';
import { wait } from './wait';

const handlers: { [K in Step['kind']]: StepHandler<Extract<Step, { kind: K }>> } = {
  message,
  ask,
  branch,
  verify,
  enrich,
  setField,
  setOutcome: setOutcomeStep,
  addNote,
  handoff,
  wait,
  end,
};

export function handlerFor(step: Step): StepHandler<Step> {
  return handlers[step.kind] as StepHandler<Step>;
}
