// The worker process the fault tests kill and restart: the production worker, with the run's pre-built workflow bundle.
import { loadConfig } from '../../config';
import { startStack } from '../stack';

async function main() {
  process.once('disconnect', () => process.exit(1));
  const stack = await startStack(loadConfig(), { worker: true, workflowBundle: { codePath: process.env.PARLEY_CHAOS_BUNDLE! } });
  process.once('SIGTERM', () => void stack.stop().then(() => process.exit(0)));
  process.stdout.write('ready\n');
  await stack.workerRun;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
