import type { Wait } from '../types';
import type { StepOf } from '../schema';
import type { StepHandler } from './handler';

type Enrich = StepOf<'enrich'>;

const waitFor = (step: Enrich): Wait => ({ kind: 'enrich', stepId: step.id, fields: step.fields });

/** Asks the workflow to fetch fields; without `onError`, a failure leaves it waiting to retry. */
export const enrich: StepHandler<Enrich> = {
  enter: (step) => ({ wait: waitFor(step) }),
  resume(step, input, run) {
    if (input.kind === 'enriched') {
      for (const [key, value] of Object.entries(input.values ?? {})) {
        if (typeof value === 'string' && !key.startsWith('verified_')) run.state.vars[key] = value;
      }
      return { next: step.next };
    }
    if (input.kind === 'enrichFailed' && step.onError) {
      run.actions.push({ kind: 'note', text: `Enrichment failed at "${step.id}": ${input.reason}` });
      return { next: step.onError };
    }
    return undefined;
  },
  pause: waitFor,
};
