import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import pino from 'pino';
import type { ChannelRegistry } from '../channels';
import { createWorker } from './worker';
import { createApp } from '../api/app';
import { type InboundRelay, createInboundRelay } from '../api/relay';
import { type Config, hashKey, masterKey, signingKeys, temporalConnectionOptions } from '../config';
import { type RequestLog, createRequestLog } from '../api/request-log';
import { pruneRequestLog } from '../db/request-log';
import { EncryptionCodec, dataConverter, payloadKey } from './codec';
import { type SecretBox, secretBox } from './secrets';
import { type Db, createDb, migrate } from '../db/database';
import { withDataKeys } from '../db/data-keys';
import { pruneDeliveryRecords, pruneImportFiles } from '../db/housekeeping';
import { ensureRetentionSchedule } from './retention/schedule';
import { ensurePropensitySchedule } from './propensity/schedule';

// Send attempts and early status callbacks are kept this long, and swept hourly by each API process.
const DELIVERY_RECORD_DAYS = 7;
const HOUSEKEEPING_MS = 3_600_000;

export interface Stack {
  db: Db;
  /** Seals channel secrets, as orgs and channels are created. */
  secrets: SecretBox;
  client: Client;
  server?: Server;
  relay?: InboundRelay;
  requestLog?: RequestLog;
  url?: string;
  worker?: Worker;
  workerRun?: Promise<void>;
  stop: () => Promise<void>;
}

const SDK_LEVELS = { trace: 'TRACE', debug: 'DEBUG', info: 'WARN', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' } as const;

/**
 * The Temporal runtime, once per process: our own signal handling, SDK logs at
 * warn unless debugging, and with `metricsAddress` the SDK's Prometheus metrics.
 */
export function installRuntime(level: Config['LOG_LEVEL'], metricsAddress?: string): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(SDK_LEVELS[level]),
      shutdownSignals: [],
      ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
    });
  } catch (err) {
    // Already installed in this process (tests start several stacks); fine unless metrics were asked for.
    if (err instanceof IllegalStateError && !metricsAddress) return;
    throw metricsAddress ? new Error(`WORKER_METRICS_ADDRESS ${metricsAddress}: ${(err as Error).message}`, { cause: err }) : err;
  }
}

/** Connects to PostgreSQL and Temporal, then runs the API and/or a worker in this process. */
export async function startStack(
  config: Config,
  opts: {
    api?: boolean;
    worker?: boolean;
    workflowBundle?: { codePath: string };
    channelsFor?: (db: Db, secrets: SecretBox) => ChannelRegistry;
  } = {
    api: true,
    worker: true,
  },
): Promise<Stack> {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const log = pino({ level: config.LOG_LEVEL, base: undefined });
  installRuntime(config.LOG_LEVEL, opts.worker ? config.WORKER_METRICS_ADDRESS : undefined);
  const db = withDataKeys(
    createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX, (err) => log.warn({ err }, 'database connection lost')),
    masterKey(config),
  );
  const secrets = secretBox(masterKey(config));
  await migrate(db, secrets);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const codec = new EncryptionCodec(payloadKey(masterKey(config)));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(codec) });
  const stack: Stack = { db, secrets, client, stop: async () => undefined };

  if (opts.worker) {
    stack.worker = await createWorker({
      config,
      db,
      codec,
      workflowBundle: opts.workflowBundle,
      channels: opts.channelsFor?.(db, secrets),
    });
    stack.workerRun = stack.worker.run();
    // A worker that cannot reach the schedule API still runs: the next start tries again.
    await ensureRetentionSchedule(client, config.TEMPORAL_TASK_QUEUE).catch((err) =>
      log.warn({ err }, 'creating the retention schedule failed'),
    );
    await ensurePropensitySchedule(client, config.TEMPORAL_TASK_QUEUE).catch((err) =>
      log.warn({ err }, 'creating the propensity-training schedule failed'),
    );
  }
  const closing = new AbortController();
  let housekeeping: NodeJS.Timeout | undefined;
  if (opts.api) {
    // The API routes the inbound messages it stored and acknowledged, after answering.
    stack.relay = createInboundRelay({ db, temporal: client, config, hashKey: hashKey(config), log });
    stack.relay.start(config.INBOUND_RELAY_SWEEP_MS);
    housekeeping = setInterval(() => {
      pruneDeliveryRecords(db, DELIVERY_RECORD_DAYS).catch((err) => log.warn({ err }, 'pruning delivery records failed'));
      pruneRequestLog(db, config.REQUEST_LOG_DAYS).catch((err) => log.warn({ err }, 'pruning the request log failed'));
      pruneImportFiles(db, config.IMPORT_STALE_HOURS).catch((err) => log.warn({ err }, 'pruning import files failed'));
    }, HOUSEKEEPING_MS).unref();
    const requestLog = createRequestLog(db, log);
    stack.requestLog = requestLog;
    const app = createApp({
      config,
      db,
      temporal: client,
      log,
      signingKeys: signingKeys(config),
      requestLog,
      hashKey: hashKey(config),
      codec,
      secrets,
      closing: closing.signal,
      relay: stack.relay,
    });
    stack.server = await new Promise<Server>((resolve) => {
      const s = app.listen(config.PORT, () => resolve(s));
    });
    const address = stack.server.address();
    stack.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.PORT}`;
  }
  stack.stop = async () => {
    clearInterval(housekeeping);
    closing.abort();
    if (stack.server) await new Promise((resolve) => stack.server!.close(resolve));
    // Only once no request can still finish: every row noted is written.
    await stack.requestLog?.stop();
    // Messages already acknowledged are routed before the Temporal connection goes; any left over wait for the next start.
    await stack.relay?.stop();
    if (stack.worker) {
      if (stack.worker.getState() === 'RUNNING') stack.worker.shutdown();
      await stack.workerRun;
    }
    await connection.close();
    await db.destroy();
  };
  return stack;
}
