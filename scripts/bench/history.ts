import type { History } from '@temporalio/common/lib/proto-utils';

export interface RoundTrips {
  /** Workflow tasks completed before the first wait. */
  workflowTasks: number;
  /** History events up to the first wait (its timer), or the whole history when the workflow never waits. */
  events: number;
}

/** What a workflow cost up to its first wait (the first timer it starts), read from its history. */
export function roundTripsToFirstWait(history: History): RoundTrips {
  const events = history.events ?? [];
  const timer = events.findIndex((e) => !!e.timerStartedEventAttributes);
  const upTo = timer === -1 ? events : events.slice(0, timer + 1);
  return { workflowTasks: upTo.filter((e) => !!e.workflowTaskCompletedEventAttributes).length, events: upTo.length };
}
