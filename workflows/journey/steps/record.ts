import { missingData, note, say, setOutcome } from '../run';
import type { StepOf } from '../schema';
import type { StepHandler } from './handler';

export const setField: StepHandler<StepOf<'setField'>> = {
  enter(step, run) {
    const value = say(run, step.value);
    if ('missing' in value) return missingData(run, step, value.missing);
    run.state.vars[step.field] = value.text;
    return { next: step.next };
  },
};

export const setOutcomeStep: StepHandler<StepOf<'setOutcome'>> = {
  enter(step, run) {
    setOutcome(run, step.outcome);
    return { next: step.next };
  },
};

/** Notes are for agents and never stop a journey: a missing value is left blank. */
export const addNote: StepHandler<StepOf<'addNote'>> = {
  enter(step, run) {
    note(run, step.text);
    return { next: step.next };
  },
};

export const end: StepHandler<StepOf<'end'>> = {
  enter(step, run) {
    if (step.outcome) setOutcome(run, step.outcome);
    return { next: undefined };
  },
};
