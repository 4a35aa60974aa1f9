// A worker process that dies (SIGKILL) as it stores the CRASH_ON_BATCH-th batch of a contacts
// import, after the batch's rows are written in its transaction and before that commits.
import type { KyselyPlugin } from 'kysely';
import { createWorker } from '../../platform/worker';
import { loadConfig } from '../../config';
import { createDb } from '../../db/database';

async function main() {
  const config = loadConfig();
  const crashOn = Number(process.env.CRASH_ON_BATCH);
  let batches = 0;
  const crashing: KyselyPlugin = {
    transformQuery({ node }) {
      // Each stored batch moves the import's progress on, last in its transaction.
      if (node.kind === 'UpdateQueryNode' && JSON.stringify(node.table).includes('"campaign_imports"')) {
        const progress = JSON.stringify(node).includes('"resume_row"');
        if (progress && ++batches === crashOn) process.kill(process.pid, 'SIGKILL');
      }
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  const db = createDb(config.DATABASE_URL!, 2).withPlugin(crashing);
  const worker = await createWorker({ config, db, workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! } });
  process.stdout.write('ready\n');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
