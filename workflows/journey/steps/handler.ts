import type { Input, Wait } from '../types';
import type { Run, Transition } from '../run';
import type { Step } from '../schema';

/** How one step kind runs; registered by kind in `steps/index.ts`. */
export interface StepHandler<S extends Step> {
  /** Runs the step on arrival. */
  enter(step: S, run: Run): Transition;
  /** Handles an input while paused here; undefined when the input does not apply. */
  resume?(step: S, input: Input, run: Run): Transition | undefined;
  /** The pause to report again when an input does not apply. */
  pause?(step: S, run: Run): Wait;
}
