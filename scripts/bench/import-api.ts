// An API process (with BENCH_WITH_WORKER=1 also a worker, which runs large imports), for bench:import:
// its peak memory is the importer's. Configured
// from the environment; prints "ready <url>" once listening, stops on SIGTERM, and exits when its
// parent's IPC channel closes.
import { loadConfig } from '../../config';
import { startStack } from '../../platform/stack';

async function main() {
  process.once('disconnect', () => process.exit(1));
  const stack = await startStack(loadConfig(), { api: true, worker: process.env.BENCH_WITH_WORKER === '1' });
  process.once('SIGTERM', () => void stack.stop().then(() => process.exit(0)));
  process.stdout.write(`ready ${stack.url}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
