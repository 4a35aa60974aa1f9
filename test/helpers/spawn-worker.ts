import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { TestStack } from './stack';

export interface WorkerProcess {
  child: ChildProcess;
  /** The signal that ended it, once it has ended. */
  exited: Promise<NodeJS.Signals | null>;
  /** SIGKILL, then waits for the end. */
  kill: () => Promise<NodeJS.Signals | null>;
}

/** A worker in a process of its own on the stack's task queue and database; resolves once it polls. */
export async function spawnWorker(
  stack: TestStack,
  script = 'worker-process.ts',
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script)], {
    env: {
      ...process.env,
      DATABASE_URL: stack.config.DATABASE_URL,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
      LOG_LEVEL: 'silent',
      PARLEY_MASTER_KEY: stack.config.PARLEY_MASTER_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await Promise.race([
    new Promise<void>((resolve) => child.stdout!.once('data', () => resolve())),
    exited.then(() => Promise.reject(new Error(`worker process ${script} ended before it was ready`))),
  ]);
  return {
    child,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}
