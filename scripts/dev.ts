// The whole stack in one process for development: Temporal dev server (child
// process), PostgreSQL (DATABASE_URL, or an embedded server as another child
// process), the API and a worker.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded';
import { ensureDemo } from './demo';
import { type Stack, startStack } from '../platform/stack';

const { startTemporal } = require('./temporal.cjs');

const STOP_GRACE_MS = 10_000;
const DEV_WORKER_METRICS = '127.0.0.1:9464';

/** A URL to reach a bind address from this machine. */
const localUrl = (bindAddress: string) => `http://${bindAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')}`;

async function main() {
  // Handlers first: a Ctrl-C during start-up, or right after the banner, must stop the parts started so far.
  const parts: { temporal?: { stop: () => Promise<void> }; embedded?: EmbeddedPostgres; stack?: Stack } = {};
  let stopping = false;
  /** Stops everything; with a `problem`, says so and exits non-zero. */
  const stop = async (problem?: string) => {
    if (stopping) return;
    stopping = true;
    if (problem) console.error(`\nParley stopped: ${problem}`);
    else console.log('Stopping...');
    const code = problem ? 1 : 0;
    // With a part already dead, a clean stop may hang waiting for it.
    setTimeout(() => process.exit(code), STOP_GRACE_MS).unref();
    await parts.stack?.stop().catch(() => undefined);
    await parts.embedded?.stop().catch(() => undefined);
    await parts.temporal?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // `npm start` died without stopping us (killed outright): do not outlive it.
  process.on('disconnect', () => void stop('npm start exited.'));

  const base = loadConfig();
  const dataDir = path.resolve(base.PARLEY_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  const temporal = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startTemporal({
        port: base.TEMPORAL_DEV_PORT,
        uiPort: base.TEMPORAL_UI_PORT,
        dbFile: path.join(dataDir, 'temporal.db'),
        pidFile: path.join(dataDir, 'temporal.pid'),
        codecEndpoint: `http://127.0.0.1:${base.PORT}/codec`,
      });
  parts.temporal = temporal;
  const pgDir = path.join(dataDir, 'postgres');
  const embedded = base.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: pgDir, port: base.POSTGRES_DEV_PORT });
  parts.embedded = embedded;
  const config = loadConfig(process.env, {
    PARLEY_DATA_DIR: dataDir,
    // The dev UI's codec calls come from the developer's browser on this machine, without a token.
    PARLEY_DEV_CODEC_LOOPBACK: true,
    ...(embedded ? { DATABASE_URL: embedded.url } : {}),
    ...(temporal ? { TEMPORAL_ADDRESS: temporal.address } : {}),
    WORKER_METRICS_ADDRESS: base.WORKER_METRICS_ADDRESS ?? DEV_WORKER_METRICS,
  });
  const stack = await startStack(config);
  parts.stack = stack;
  const demo = await ensureDemo(stack.db, stack.secrets, path.join(dataDir, 'demo.json'));

  console.log(`
Parley is running.
  API          ${stack.url}   (health: ${stack.url}/healthz)
  Temporal UI  ${temporal ? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}` : `(your cluster at ${config.TEMPORAL_ADDRESS})`}
  Database     ${embedded ? `${embedded.url}   (embedded, data in ${pgDir})` : 'DATABASE_URL'}
  Metrics      ${stack.url}/metrics   (worker: ${localUrl(config.WORKER_METRICS_ADDRESS!)}/metrics)

Demo organisation
  API key      ${demo.apiKey}
  channelId    ${demo.channelId}   (sandbox)
  journeyId    ${demo.journeyId}

Try:  curl -s -H "Authorization: Bearer ${demo.apiKey}" ${stack.url}/v1/journeys
Stop with Ctrl-C.
`);

  void temporal?.exited.then(({ code, signal }: { code: number | null; signal: string | null }) =>
    stop(`the Temporal dev server exited unexpectedly (${signal ?? `exit code ${code}`}).`),
  );
  void embedded?.exited.then(({ code, signal }) => stop(`the embedded PostgreSQL exited unexpectedly (${signal ?? `exit code ${code}`}).`));
  stack.workerRun?.catch((err: Error) => stop(`the worker failed: ${err.message}`));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
