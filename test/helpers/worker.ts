import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { createActivities } from '../../activities';

export type Activities = ReturnType<typeof createActivities>;

/** A worker with fake activities on a task queue of its own, against the run's dev server. */
export async function startFakeWorker(activities: Partial<Activities>) {
  const address = process.env.PARLEY_TEST_TEMPORAL!;
  const taskQueue = `wf-${randomBytes(4).toString('hex')}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! },
    activities,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  return {
    client,
    taskQueue,
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export const uid = () => randomBytes(6).toString('hex');
