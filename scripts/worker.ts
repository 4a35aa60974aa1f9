// A worker process for production: connects to Temporal and PostgreSQL from the environment.
import { loadConfig } from '../config';
import { startStack } from '../platform/stack';

async function main() {
  const config = loadConfig();
  if (!config.PARLEY_MASTER_KEY) throw new Error('PARLEY_MASTER_KEY is required outside development');
  const stack = await startStack(config, { worker: true });
  console.log(`Worker polling ${config.TEMPORAL_TASK_QUEUE}`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stack.stop().then(() => process.exit(0)));
  await stack.workerRun;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
