import type { Client } from '@temporalio/client';

const NOT_FOUND = 5;
const PARALLEL = 32;

/**
 * Deletes the executions (the current run) of these workflows with their histories, a few at a time. One that
 * is gone already (never started, or past the namespace retention) is fine; any other failure is thrown.
 */
export async function deleteExecutions(client: Client, workflowIds: string[]): Promise<void> {
  const queue = [...workflowIds];
  const one = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await client.workflowService.deleteWorkflowExecution({
          namespace: client.options.namespace,
          workflowExecution: { workflowId: id },
        });
      } catch (err) {
        if ((err as { code?: number }).code !== NOT_FOUND) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, one));
}
