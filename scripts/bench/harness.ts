import { createJourney } from '../../db/journeys';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import { createActivities } from '../../activities';
import { webhookOptions } from '../../activities/webhooks';
import { EncryptionCodec, FAILURE_CONVERTER_PATH, dataConverter, payloadKey } from '../../platform/codec';
import { type SecretBox, secretBox } from '../../platform/secrets';
import { createChannelRegistry } from '../../channels';
import { createApp } from '../../api/app';
import { createInboundRelay } from '../../api/relay';
import { provisionOrg } from '../../api/orgs';
import { type Config, hashKey, loadConfig, signingKeys } from '../../config';
import { type Db, createDb, migrate } from '../../db/database';
import { installRuntime } from '../../platform/stack';
import { WORKER_HEAP } from '../../platform/worker';

const { startTemporal, freePort } = require('../temporal.cjs');

export const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
export const wantJson = process.argv.includes('--json');
const option = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/**
 * A throwaway database, a private dev server (or the Temporal server at
 * `--temporal ADDRESS`), the API on an ephemeral port and one worker that also
 * serves the baseline.
 */
export async function startBench(overrides: Partial<Config> = {}) {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `parley_bench_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  admin.on('error', (err) => console.error(`bench admin connection lost: ${err.message}`));
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;

  installRuntime('warn');
  const existing = option('temporal');
  const temporal = existing
    ? { address: existing, stop: async () => undefined }
    : await startTemporal({ port: await freePort(), headless: true, log: () => undefined });
  const config = loadConfig(
    {},
    {
      PORT: 0,
      LOG_LEVEL: 'silent',
      DATABASE_URL: url.toString(),
      TEMPORAL_ADDRESS: temporal.address,
      // A shared server may have other workers (start:cluster's) polling the usual queue.
      TEMPORAL_TASK_QUEUE: `parley-bench-${dbName}`,
      MAX_JSON_CONTACTS: 1_000_000,
      // The benchmarks measure the engine, not the per-key limit.
      API_KEY_RATE: 100_000,
      API_KEY_BURST: 100_000,
      ...overrides,
    },
  );
  const db: Db = createDb(config.DATABASE_URL!, config.DATABASE_POOL_MAX);
  const master = randomBytes(32);
  const secrets = secretBox(master);
  await migrate(db, secrets);
  const connection = await Connection.connect({ address: temporal.address });
  const codec = new EncryptionCodec(payloadKey(master));
  const client = new Client({ connection, dataConverter: dataConverter(codec) });
  // --workers N: the production shape, API here and N worker processes; otherwise one worker in this process.
  const workerProcesses = arg('workers', 0);
  const inProcess = workerProcesses > 0 ? undefined : await startInProcessWorker(config, db, codec, secrets, temporal.address);
  const children = await startWorkerProcesses(workerProcesses, config, master);
  const relay = createInboundRelay({ db, temporal: client, config, hashKey: hashKey(config), log: pino({ level: 'silent' }) });
  relay.start(config.INBOUND_RELAY_SWEEP_MS);
  const app = createApp({
    config,
    db,
    temporal: client,
    log: pino({ level: 'silent' }),
    signingKeys: signingKeys({ ...config, JWT_SECRET: randomBytes(32).toString('hex') }),
    hashKey: hashKey(config),
    relay,
    codec,
    secrets,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;

  return {
    config,
    db,
    secrets,
    client,
    /** For processes of the bench's own that seal, open or encrypt as it does (PARLEY_MASTER_KEY). */
    masterKey: master.toString('base64'),
    apiUrl: `http://127.0.0.1:${port}`,
    /** Worker process ids with --workers N; none when the worker runs in this process. */
    workerPids: children.pids,
    // The throwaway database and dev server go even when an earlier step fails.
    stop: async () => {
      try {
        await new Promise((r) => server.close(r));
        await relay.stop();
        await inProcess?.stop();
        await children.stop();
        await connection.close();
        await db.destroy();
      } finally {
        await temporal.stop();
        // The pool's connections finish closing after destroy() resolves; a forced drop would break them with an unhandled error.
        const connected = async () =>
          (await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [dbName])).rows[0].n as number;
        await until(async () => (await connected()) === 0, 10_000, 'the bench connections to close').catch(() => undefined);
        await admin.query(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
    },
  };
}

/** Samples this process's resident memory; returns the peak in MiB (and, with BENCH_MEMORY_DETAIL=1, prints what it held). */
export function memoryPeak() {
  let peak = process.memoryUsage();
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, 100);
  const mib = (n: number) => Math.round(n / 2 ** 20);
  return {
    stop: () => {
      clearInterval(timer);
      if (process.env.BENCH_MEMORY_DETAIL === '1') {
        console.error(
          `peak: rss ${mib(peak.rss)} MiB, heap ${mib(peak.heapUsed)}/${mib(peak.heapTotal)} MiB, external ${mib(peak.external)} MiB`,
        );
      }
      return mib(peak.rss);
    },
  };
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type Bench = Awaited<ReturnType<typeof startBench>>;

/** An org with a sandbox channel and the given journey. */
export async function seedBenchOrg(bench: Bench, journey: object) {
  const org = await provisionOrg(bench.db, bench.secrets, 'Bench');
  const journeyId = await createJourney(bench.db, { orgId: org.orgId, name: 'Bench', definition: journey });
  return { ...org, journeyId, headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' } };
}

/** Runs one benchmark: prints its table, and with --json its figures as the last line. */
export function runBench(
  measure: (bench: Bench) => Promise<{ rows: [string, string | number][]; figures: object }>,
  overrides: Partial<Config> = {},
): void {
  (async () => {
    const bench = await startBench(overrides);
    try {
      const { rows, figures } = await measure(bench);
      const width = Math.max(...rows.map(([k]) => k.length));
      for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
      if (wantJson) console.log(JSON.stringify(figures));
    } finally {
      await bench.stop();
    }
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

async function startInProcessWorker(config: Config, db: Db, codec: EncryptionCodec, secrets: SecretBox, address: string) {
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    dataConverter: dataConverter(codec),
    activities: {
      ...createActivities({
        db,
        channels: createChannelRegistry(db, {}, { secrets }),
        webhooks: webhookOptions(config, secrets),
        hashKey: hashKey(config),
      }),
      noop: async () => undefined,
    },
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_ACTIVITIES,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
    },
  };
}

/** Worker processes on a pre-built bundle of the real workflows (scripts/bundle-worker.ts), on the bench's database, queue and key. */
async function startWorkerProcesses(n: number, config: Config, master: Buffer) {
  if (n === 0) return { pids: [] as number[], stop: async () => undefined };
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietBundler,
  });
  const bundle = path.join(os.tmpdir(), `parley-bench-workflows-${process.pid}.js`);
  writeFileSync(bundle, code);
  const env = {
    ...process.env,
    DATABASE_URL: config.DATABASE_URL,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    PARLEY_MASTER_KEY: master.toString('base64'),
    PARLEY_WORKFLOW_BUNDLE: bundle,
    LOG_LEVEL: 'warn',
  };
  const children = await Promise.all(
    Array.from({ length: n }, async () => {
      const script = path.join(__dirname, '..', 'bundle-worker.ts');
      const child = spawn(process.execPath, [WORKER_HEAP, '--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`a bench worker process exited (${code}) before it was ready`)));
        child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      });
      return child;
    }),
  );
  return {
    pids: children.map((child) => child.pid!),
    stop: async () => {
      await Promise.all(
        children.map((child) =>
          child.exitCode === null ? new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) : undefined,
        ),
      );
    },
  };
}

const noop = () => undefined;
const quietBundler = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** A process's peak resident memory so far (VmHWM), in MiB. */
export function peakRssMiB(pid: number | 'self' = 'self'): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return kb ? Math.round(Number(kb[1]) / 1024) : NaN;
}
