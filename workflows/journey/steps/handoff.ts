import type { Wait } from '../types';
import { missingData, note, say, send, sendId } from '../run';
import type { StepOf } from '../schema';
import type { StepHandler } from './handler';

type Handoff = StepOf<'handoff'>;

const waitFor = (step: Handoff): Wait => ({ kind: 'handoff', stepId: step.id });

/** Pauses for an agent; the hand-back itself is handled for every step in `advance`. */
export const handoff: StepHandler<Handoff> = {
  enter(step, run) {
    if (step.text) {
      const text = say(run, step.text);
      if ('missing' in text) return missingData(run, step, text.missing);
      send(run, sendId(run, step.id), text.text);
    }
    if (step.note) note(run, step.note);
    return { wait: waitFor(step) };
  },
  pause: waitFor,
};
