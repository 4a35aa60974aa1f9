// A worker process of the whole application, as in production: real channel providers.
import { createWorker } from '../../platform/worker';
import { loadConfig } from '../../config';
import { createDb } from '../../db/database';
import { installRuntime } from '../../platform/stack';

async function main() {
  const config = loadConfig();
  installRuntime(config.LOG_LEVEL);
  const db = createDb(config.DATABASE_URL!, 4);
  const worker = await createWorker({ config, db, workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! } });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
