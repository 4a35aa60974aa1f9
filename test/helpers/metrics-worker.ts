// A worker process serving the SDK's Prometheus metrics on WORKER_METRICS_ADDRESS.
// Its own process because the Temporal runtime is installed once per process,
// and the test setup has already installed one without metrics in jest's.
import { loadConfig } from '../../config';
import { startStack } from '../../scripts/stack';

async function main() {
  const stack = await startStack(loadConfig(), { worker: true, workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! } });
  process.once('SIGTERM', () => void stack.stop().then(() => process.exit(0)));
  process.stdout.write('ready\n');
  await stack.workerRun;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
