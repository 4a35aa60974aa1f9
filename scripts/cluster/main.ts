// `npm run start:cluster`: the docker-compose.yml stack without Docker. A
// Temporal server on PostgreSQL, the API and workers, each its own process.
import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, masterKey } from '../../config';
import { createDb } from '../../db/database';
import { secretBox } from '../../platform/secrets';
import { WORKER_HEAP } from '../../platform/worker';
import { ensureDemo } from '../demo';
import { type Child, Children } from './processes';
import { ensureDatabase, ensureSchema, ensureTemporalServer, serverArgs, writeServerConfig } from './server';
import { type ClusterSettings, clusterDatabaseUrl, loadClusterSettings, parleyDatabase } from './settings';

const { ensureTemporal, waitForPort, SEARCH_ATTRIBUTES } = require('../temporal.cjs');

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

/** Retries `attempt` once a second until it resolves, for up to `seconds`. */
async function retry<T>(seconds: number, what: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= seconds) throw new Error(`gave up after ${seconds}s: ${what}: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The namespace and Parley's search attributes, as deploy/temporal-setup.sh makes them for docker-compose. */
async function setUpNamespace(cli: string, address: string, settings: ClusterSettings) {
  const t = (...args: string[]) => run(cli, [...args, '--address', address]);
  const ns = settings.TEMPORAL_NAMESPACE;
  await retry(120, 'cluster health', () => t('operator', 'cluster', 'health'));
  await retry(30, 'namespace', () =>
    t('operator', 'namespace', 'describe', '--namespace', ns).catch(() =>
      t('operator', 'namespace', 'create', '--namespace', ns, '--retention', settings.TEMPORAL_RETENTION),
    ),
  );
  // A new namespace takes a few seconds to reach the frontend's cache; existing attributes of the same type are skipped.
  const attrs = SEARCH_ATTRIBUTES.flatMap((name: string) => ['--name', name, '--type', 'Keyword']);
  await retry(60, 'search attributes', () => t('operator', 'search-attribute', 'create', '--namespace', ns, ...attrs));
  await retry(60, 'search attributes listed', async () => {
    const { stdout } = await t('operator', 'search-attribute', 'list', '--namespace', ns);
    const missing = SEARCH_ATTRIBUTES.filter((name: string) => !new RegExp(`\\b${name}\\b`).test(stdout));
    if (missing.length) throw new Error(`not yet listed: ${missing.join(', ')}`);
  });
}

/** The template's layout around the frontend port. Membership ports are stored as smallint: they must stay below 32768. */
const serverPorts = (frontend: number) => ({
  frontend,
  history: frontend + 1,
  matching: frontend + 2,
  worker: frontend + 6,
  frontendHttp: frontend + 10,
  frontendMembership: frontend - 300,
  historyMembership: frontend - 299,
  matchingMembership: frontend - 298,
  workerMembership: frontend - 294,
  metrics: frontend + 767,
});

/** The last lines of the server log, JSON lines shortened to their message and error. */
function tail(file: string, lines = 5) {
  const short = (line: string) => {
    try {
      const e = JSON.parse(line) as { level: string; msg: string; error?: string };
      return `  ${e.level}: ${e.msg}${e.error ? `: ${e.error}` : ''}`;
    } catch {
      return `  ${line}`;
    }
  };
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map(short).join('\n');
}

async function main() {
  const settings = loadClusterSettings();
  const dir = path.resolve(settings.PARLEY_DATA_DIR, 'cluster');
  mkdirSync(dir, { recursive: true });
  const cli: string = ensureTemporal();
  const tools = ensureTemporalServer();

  const frontend = settings.TEMPORAL_CLUSTER_PORT;
  const address = `127.0.0.1:${frontend}`;
  // Otherwise we would wait for, and set up, whatever already listens there.
  if (
    await waitForPort(frontend, 0).then(
      () => true,
      () => false,
    )
  ) {
    throw new Error(`port ${frontend} is in use (npm start's dev server?): stop it, or set TEMPORAL_CLUSTER_PORT`);
  }
  console.log(`Preparing the databases on ${new URL(settings.DATABASE_URL).host}...`);
  await ensureSchema(settings, tools);
  await ensureDatabase(settings, parleyDatabase(settings));
  writeServerConfig(settings, tools.source, dir, serverPorts(frontend), path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml'));

  const logFile = path.join(dir, 'temporal.log');
  let stopping = false;
  const stop = async (problem?: string) => {
    if (stopping) return;
    stopping = true;
    if (problem) console.error(`\nParley cluster stopped: ${problem}`);
    else console.log('Stopping the API, the workers, then the Temporal server...');
    await children.stop();
    process.exit(problem ? 1 : 0);
  };
  const children = new Children((child: Child, how: string) => {
    const detail = child.name === 'Temporal server' ? `\nLast lines of ${logFile}:\n${tail(logFile)}` : '';
    void stop(`the ${child.name} exited unexpectedly (${how}).${detail}`);
  });
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  // A failure once processes run stops them in order, as Ctrl-C does.
  const up = async () => {
    console.log(`Starting the Temporal server v1.29.1 on ${address} (log: ${logFile})...`);
    const log = openSync(logFile, 'a');
    const server = children.start('Temporal server', tools.server, serverArgs(dir), { stdio: ['ignore', log, log] });
    closeSync(log);
    await Promise.race([waitForPort(frontend, 120_000), server.exited]);
    await setUpNamespace(cli, address, settings);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: clusterDatabaseUrl(settings, parleyDatabase(settings)),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: settings.TEMPORAL_NAMESPACE,
      PARLEY_MASTER_KEY: process.env.PARLEY_MASTER_KEY || masterKey(loadConfig({}, { PARLEY_DATA_DIR: dir })).toString('base64'),
    };
    const config = loadConfig(env);
    const node = (script: string) => [process.execPath, ['--import', 'tsx', path.join(ROOT, script)]] as const;
    children.start('API', ...node('api/main.ts'), { env });
    const worker = [process.execPath, [WORKER_HEAP, '--import', 'tsx', path.join(ROOT, 'scripts/worker.ts')]] as const;
    for (let i = 1; i <= settings.CLUSTER_WORKERS; i++) children.start(`worker ${i}`, ...worker, { env });

    const url = `http://127.0.0.1:${config.PORT}`;
    await retry(120, 'API health', async () => {
      const res = await fetch(`${url}/healthz`);
      if (!res.ok) throw new Error(`healthz answered ${res.status}`);
    });
    const db = createDb(config.DATABASE_URL!, 1);
    const demo = await ensureDemo(db, secretBox(masterKey(config)), path.join(dir, 'demo.json')).finally(() => db.destroy());

    console.log(`
Parley is running on a Temporal cluster.
  API              ${url}   (health: ${url}/healthz)
  Temporal         ${address}, namespace ${settings.TEMPORAL_NAMESPACE}, on PostgreSQL databases ${settings.TEMPORAL_DB_NAME} and ${settings.TEMPORAL_VISIBILITY_DB_NAME}
  Parley database  ${parleyDatabase(settings)}
  Processes        Temporal server, API, ${settings.CLUSTER_WORKERS} workers

Demo organisation
  API key      ${demo.apiKey}
  channelId    ${demo.channelId}   (sandbox)
  journeyId    ${demo.journeyId}

Benchmarks:  npm run bench:campaign -- --temporal ${address}
Tests:       TEMPORAL_TEST_ADDRESS=${address} npx jest test/integration
Stop with Ctrl-C.
`);
  };
  await up().catch((err: Error) => stop(`start-up failed: ${err.message}`));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
