import { DEFAULT_MAX_INVALID } from '../defaults';
import { matchAnswer } from '../match';
import { hear } from '../nlu/hear';
import { type Run, save, sendId, type Transition } from '../run';
import type { StepOf } from '../schema';
import { clip, MAX_REPLY_CHARS, MAX_SAVED_CHARS } from '../text';
import type { StepHandler } from './handler';
import { onTimeout, prompt, replyWait } from './reply-wait';

type Ask = StepOf<'ask'>;

/** The first branch the answer matches, else the fallback, else an invalid answer. */
function answer(step: Ask, reply: string, run: Run, sentiment: number | undefined): Transition {
  const text = clip(reply, MAX_REPLY_CHARS);
  const raw = clip(text.trim(), MAX_SAVED_CHARS);
  const heard = hear(step.branches ?? [], text, run, sentiment);
  if (heard.intent) run.actions.push({ kind: 'understood', stepId: step.id, ...heard.intent });
  for (const branch of step.branches ?? []) {
    const match = matchAnswer(branch.match, text, run.ctx, heard);
    if (match) {
      save(run, step.saveAs, match.value ?? raw);
      if (match.score !== undefined && step.saveAs) save(run, `${step.saveAs}_score`, String(match.score));
      return { next: branch.next };
    }
  }
  if (step.fallback) {
    save(run, step.saveAs, raw);
    return { next: step.fallback };
  }
  run.state.invalid += 1;
  if (run.state.invalid >= (step.maxInvalid ?? DEFAULT_MAX_INVALID)) return { next: step.onTooManyInvalid };
  return prompt(step, run, step.invalidText ?? step.text, sendId(run, step.id, `#i${run.state.invalid}`));
}

export const ask: StepHandler<Ask> = {
  enter: (step, run) => prompt(step, run, step.text, sendId(run, step.id)),
  resume(step, input, run) {
    if (input.kind === 'reply') return answer(step, typeof input.text === 'string' ? input.text : '', run, input.sentiment);
    if (input.kind === 'timeout') return onTimeout(step, run);
    return undefined;
  },
  pause: replyWait,
};
