import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { HttpError } from './problem';

/**
 * Starts a workflow for rows just written; if Temporal cannot take it, removes
 * those rows and answers 503, so a failed request leaves no half-made campaign
 * or conversation behind. A workflow that already exists counts as started.
 */
export async function startOrUndo(start: () => Promise<unknown>, undo: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    await undo();
    throw new HttpError(503, 'Service Unavailable', 'the workflow engine is unavailable; nothing was created, try again', undefined, err);
  }
}
