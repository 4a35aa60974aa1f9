import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { loadConfig } from '../../config';
import { type Db, createDb, migrate } from '../../db/database';
import { secretBox } from '../../platform/secrets';
import { type Stack, startStack } from '../../platform/stack';
import { type TcpProxy, startTcpProxy } from './tcp-proxy';

const { startTemporal, freePort } = require('../temporal.cjs');

type Temporal = { stop: () => Promise<void>; child: ChildProcess };

/**
 * A throwaway database behind a TCP proxy, a file-backed dev server on a free port, the API in this
 * process and the worker as a child process: each can be killed, stopped or cut off on its own.
 */
export async function startChaosEnv(opts: { bundlePath: string; dir: string }) {
  const adminUrl = process.env.CHAOS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `parley_chaos_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dir = mkdtempSync(path.join(opts.dir, 'run-'));
  const cleanups: (() => Promise<unknown>)[] = [
    async () => {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    },
  ];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((err) => console.error(`cleanup: ${String(err)}`));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const direct = new URL(adminUrl);
    direct.pathname = `/${dbName}`;
    const proxy: TcpProxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    cleanups.push(() => proxy.close());
    const proxied = new URL(direct);
    proxied.host = `127.0.0.1:${proxy.port}`;

    // The checks read the database directly, so that a cut proxy does not blind them.
    const db: Db = createDb(direct.toString(), 4);
    cleanups.push(() => db.destroy());
    const masterKey = randomBytes(32);
    await migrate(db, secretBox(masterKey));

    const temporalPort: number = await freePort();
    const temporalFile = path.join(dir, 'temporal.db');
    // A killed worker leaves the server logging cancelled task completions: keep them out of the report.
    const temporalLog = path.join(dir, 'temporal.log');
    let temporal: Temporal | undefined;
    const temporalUp = async () => {
      temporal = await startTemporal({
        port: temporalPort,
        headless: true,
        dbFile: temporalFile,
        log: () => undefined,
        stderr: openSync(temporalLog, 'a'),
      });
    };
    const temporalDown = async () => {
      await temporal?.stop();
      temporal = undefined;
    };
    await temporalUp();
    cleanups.push(temporalDown);

    const config = loadConfig(
      {},
      {
        PORT: 0,
        LOG_LEVEL: 'silent',
        DATABASE_URL: proxied.toString(),
        DATABASE_POOL_MAX: 5,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        PARLEY_MASTER_KEY: masterKey.toString('base64'),
        MAX_JSON_CONTACTS: 1_000_000,
      },
    );
    const api: Stack = await startStack(config, { api: true, worker: false });
    cleanups.push(() => api.stop());

    const workerLog = path.join(dir, 'worker.log');
    let worker: ChildProcess | undefined;
    const stats = { workerStarts: 0, workerExits: 0 };
    const workerUp = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'bundle-worker.ts')], {
        env: {
          ...process.env,
          DATABASE_URL: config.DATABASE_URL,
          DATABASE_POOL_MAX: '10',
          TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
          TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
          PARLEY_MASTER_KEY: config.PARLEY_MASTER_KEY,
          PARLEY_WORKFLOW_BUNDLE: opts.bundlePath,
          LOG_LEVEL: 'warn',
        },
        // The IPC channel closes when this process dies, however it dies: the worker then exits too.
        stdio: ['ignore', 'pipe', openSync(workerLog, 'a'), 'ipc'],
      });
      worker = child;
      stats.workerStarts++;
      child.once('exit', (_code, signal) => {
        if (signal !== 'SIGKILL' && signal !== 'SIGTERM') stats.workerExits++;
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it was ready; see ${workerLog}`)));
      });
    };
    const workerKill = async (signal: NodeJS.Signals = 'SIGKILL') => {
      const child = worker;
      worker = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    };
    cleanups.push(() => workerKill('SIGTERM'));

    return {
      db,
      api,
      apiUrl: api.url!,
      proxy,
      stats,
      workerLog,
      workerUp,
      workerKill,
      workerAlive: () => !!worker && worker.exitCode === null && worker.signalCode === null,
      temporalUp,
      temporalDown,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

export type ChaosEnv = Awaited<ReturnType<typeof startChaosEnv>>;

/** A scratch folder for the whole run: the workflow bundle, and per scenario the dev server's file and the worker log. */
export function scratchDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'parley-chaos-'));
}
