// A worker process on a pre-built workflow bundle (PARLEY_WORKFLOW_BUNDLE), for the fault tests and
// for tests that need a process of their own (the Temporal runtime is installed once per process).
// It prints "ready" once polling, stops on SIGTERM, and exits when its parent's IPC channel closes.
import { loadConfig } from '../config';
import { startStack } from '../platform/stack';

async function main() {
  process.once('disconnect', () => process.exit(1));
  const stack = await startStack(loadConfig(), { worker: true, workflowBundle: { codePath: process.env.PARLEY_WORKFLOW_BUNDLE! } });
  process.once('SIGTERM', () => void stack.stop().then(() => process.exit(0)));
  process.stdout.write('ready\n');
  await stack.workerRun;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
