// An API process for production: connects to Temporal and PostgreSQL from the environment.
import { loadConfig } from '../config';
import { startStack } from '../platform/stack';

async function main() {
  const config = loadConfig();
  if (!config.PARLEY_MASTER_KEY) throw new Error('PARLEY_MASTER_KEY is required outside development');
  if (config.PARLEY_DEV_CODEC_LOOPBACK)
    throw new Error('PARLEY_DEV_CODEC_LOOPBACK is for npm start only; set PARLEY_ADMIN_TOKEN to serve /codec');
  const stack = await startStack(config, { api: true });
  console.log(`API listening on ${stack.url}`);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stack.stop().then(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
