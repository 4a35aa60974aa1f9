import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import { createActivities } from '../../activities';
import { EncryptionCodec, payloadKey } from '../../activities/codec';
import { createChannelRegistry } from '../../activities/channels';
import { createApp } from '../../api/app';
import { provisionOrg } from '../../api/orgs';
import { type Config, loadConfig } from '../../config';
import { type Db, createDb, migrate } from '../../db/database';
import { installRuntime } from '../stack';

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
  const temporal = existing ? { address: existing, stop: async () => undefined } : await startTemporal({ port: await freePort(), headless: true, log: () => undefined });
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
      ...overrides,
    },
  );
  const db: Db = createDb(config.DATABASE_URL!, config.DATABASE_POOL_MAX);
  await migrate(db);
  const connection = await Connection.connect({ address: temporal.address });
  const codec = new EncryptionCodec(payloadKey(randomBytes(32)));
  const client = new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    dataConverter: { payloadCodecs: [codec] },
    activities: { ...createActivities({ db, channels: createChannelRegistry(db) }), noop: async () => undefined },
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_ACTIVITIES,
  });
  const running = worker.run();
  const app = createApp({ config, db, temporal: client, log: pino({ level: 'silent' }), jwtSecret: randomBytes(32).toString('hex'), hashKey: randomBytes(32), codec });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;

  return {
    config,
    db,
    client,
    apiUrl: `http://127.0.0.1:${port}`,
    // The throwaway database and dev server go even when an earlier step fails.
    stop: async () => {
      try {
        await new Promise((r) => server.close(r));
        worker.shutdown();
        await running;
        await connection.close();
        await nativeConnection.close();
        await db.destroy();
      } finally {
        await temporal.stop();
        // The pool's connections finish closing after destroy() resolves; a forced drop would break them with an unhandled error.
        const connected = async () => (await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [dbName])).rows[0].n as number;
        await until(async () => (await connected()) === 0, 10_000, 'the bench connections to close').catch(() => undefined);
        await admin.query(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
    },
  };
}

/** Samples this process's resident memory; returns the peak in MiB. */
export function memoryPeak() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return { stop: () => (clearInterval(timer), Math.round(peak / 2 ** 20)) };
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Bench = Awaited<ReturnType<typeof startBench>>;

/** An org with a sandbox channel and the given journey. */
export async function seedBenchOrg(bench: Bench, journey: object) {
  const org = await provisionOrg(bench.db, 'Bench');
  const j = await bench.db.insertInto('journeys').values({ org_id: org.orgId, name: 'Bench', current_version: 1 }).returning('id').executeTakeFirstOrThrow();
  await bench.db.insertInto('journey_versions').values({ journey_id: j.id, version: 1, definition: JSON.stringify(journey) }).execute();
  return { ...org, journeyId: j.id, headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' } };
}

/** Runs one benchmark: prints its table, and with --json its figures as the last line. */
export function runBench(measure: (bench: Bench) => Promise<{ rows: [string, string | number][]; figures: object }>): void {
  (async () => {
    const bench = await startBench();
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
