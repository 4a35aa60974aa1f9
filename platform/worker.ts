import { NativeConnection, Worker } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import { type Config, hashKey, masterKey, temporalConnectionOptions } from '../config';
import { EncryptionCodec, dataConverter, payloadKey } from './codec';
import { secretBox } from './secrets';
import type { Db } from '../db/database';
import { withDataKeys } from '../db/data-keys';
import { createActivities } from '../activities';
import { type ChannelRegistry, createChannelRegistry } from '../channels';
import { enrichmentOptions } from '../activities/enrichment';
import { webhookOptions } from '../activities/webhooks';
import { configuredPolicy } from './outbound';

/**
 * Node flag for worker processes (start:cluster, the benchmarks; docker-compose.yml says the same):
 * a small heap makes V8 collect before the process grows. With the default cache of 500 workflows,
 * 10,000 waiting conversations peaked at 553 MB RSS, against 1,565 MB with 1,000 and the default heap.
 */
export const WORKER_HEAP = '--max-old-space-size=256';

export interface WorkerOptions {
  config: Config;
  db: Db;
  channels?: ChannelRegistry;
  /** Pre-bundled workflow code (tests bundle once per run). */
  workflowBundle?: { codePath: string };
  connection?: NativeConnection;
  /** Encrypts payloads; built from the master key when not given. */
  codec?: PayloadCodec;
}

/** A worker for the whole application: every workflow and activity on one task queue. */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const { config } = opts;
  const db = withDataKeys(opts.db, masterKey(config));
  const connection = opts.connection ?? (await NativeConnection.connect(temporalConnectionOptions(config)));
  const secrets = secretBox(masterKey(config));
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({
      db,
      channels: opts.channels ?? createChannelRegistry(db, {}, { publicUrl: config.PUBLIC_URL, secrets }),
      enrichment: enrichmentOptions(config, secrets),
      webhooks: webhookOptions(config, secrets),
      importBatchRows: config.IMPORT_BATCH_ROWS,
      hashKey: hashKey(config),
      callbackPolicy: configuredPolicy(config),
      retentionDayMs: config.RETENTION_DAY_SECONDS * 1000,
      propensity: { minConversations: config.PROPENSITY_MIN_CONVERSATIONS, maxConversations: config.PROPENSITY_MAX_CONVERSATIONS },
    }),
    dataConverter: dataConverter(opts.codec ?? new EncryptionCodec(payloadKey(masterKey(config)))),
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_ACTIVITIES,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
}
