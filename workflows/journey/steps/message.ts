import { missingData, say, send, sendId } from '../run';
import type { StepOf } from '../schema';
import type { StepHandler } from './handler';

export const message: StepHandler<StepOf<'message'>> = {
  enter(step, run) {
    const text = say(run, step.text);
    if ('missing' in text) return missingData(run, step, text.missing);
    send(run, sendId(run, step.id), text.text);
    return { next: step.next };
  },
};
