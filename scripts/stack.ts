import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import pino from 'pino';
import type { ChannelRegistry } from '../activities/channels';
import { createWorker } from '../activities/worker';
import { createApp } from '../api/app';
import { type Config, temporalConnectionOptions } from '../config';
import { type Db, createDb, migrate } from '../db/database';

export interface Stack {
  db: Db;
  client: Client;
  server?: Server;
  url?: string;
  worker?: Worker;
  workerRun?: Promise<void>;
  stop: () => Promise<void>;
}

/** The master key from the environment, or one generated into the data folder for development. */
export function masterKey(config: Config): Buffer {
  if (config.PARLEY_MASTER_KEY) return Buffer.from(config.PARLEY_MASTER_KEY, 'base64');
  const file = path.join(config.PARLEY_DATA_DIR, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(config.PARLEY_DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export function hashKey(config: Config): Buffer {
  if (config.PARLEY_HASH_KEY) return Buffer.from(config.PARLEY_HASH_KEY);
  return Buffer.from(hkdfSync('sha256', masterKey(config), Buffer.alloc(0), 'parley-hash', 32));
}

export function jwtSecret(config: Config): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  return Buffer.from(hkdfSync('sha256', masterKey(config), Buffer.alloc(0), 'parley-jwt', 32)).toString('base64');
}

const SDK_LEVELS = { trace: 'TRACE', debug: 'DEBUG', info: 'WARN', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' } as const;

/** The Temporal runtime, once per process: our own signal handling, and SDK logs at warn unless debugging. */
export function installRuntime(level: Config['LOG_LEVEL']): void {
  try {
    Runtime.install({ logger: new DefaultLogger(SDK_LEVELS[level]), shutdownSignals: [] });
  } catch {
    // Already installed in this process (tests start several stacks).
  }
}

/** Connects to PostgreSQL and Temporal, then runs the API and/or a worker in this process. */
export async function startStack(
  config: Config,
  opts: { api?: boolean; worker?: boolean; workflowBundle?: { codePath: string }; channelsFor?: (db: Db) => ChannelRegistry } = { api: true, worker: true },
): Promise<Stack> {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const log = pino({ level: config.LOG_LEVEL, base: undefined });
  installRuntime(config.LOG_LEVEL);
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  await migrate(db);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const stack: Stack = { db, client, stop: async () => undefined };

  if (opts.worker) {
    stack.worker = await createWorker({ config, db, workflowBundle: opts.workflowBundle, channels: opts.channelsFor?.(db) });
    stack.workerRun = stack.worker.run();
  }
  if (opts.api) {
    const app = createApp({ config, db, temporal: client, log, jwtSecret: jwtSecret(config), hashKey: hashKey(config) });
    stack.server = await new Promise<Server>((resolve) => {
      const s = app.listen(config.PORT, () => resolve(s));
    });
    const address = stack.server.address();
    stack.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.PORT}`;
  }
  stack.stop = async () => {
    if (stack.server) await new Promise((resolve) => stack.server!.close(resolve));
    if (stack.worker) {
      if (stack.worker.getState() === 'RUNNING') stack.worker.shutdown();
      await stack.workerRun;
    }
    await connection.close();
    await db.destroy();
  };
  return stack;
}
