import { lookup } from '../fields';
import { matchAnswer } from '../match';
import { hear } from '../nlu/hear';
import { fieldsOf, save } from '../run';
import type { StepOf } from '../schema';
import { clip, MAX_REPLY_CHARS } from '../text';
import type { StepHandler } from './handler';

/** Routes on a field or variable without waiting; an absent value is matched as empty text. */
export const branch: StepHandler<StepOf<'branch'>> = {
  enter(step, run) {
    const value = clip(lookup(fieldsOf(run), step.on) ?? '', MAX_REPLY_CHARS);
    const heard = hear(step.branches, value, run);
    for (const b of step.branches) {
      const match = matchAnswer(b.match, value, run.ctx, heard);
      if (match) {
        save(run, step.saveAs, match.value ?? value.trim());
        if (match.score !== undefined && step.saveAs) save(run, `${step.saveAs}_score`, String(match.score));
        return { next: b.next };
      }
    }
    return { next: step.fallback };
  },
};
