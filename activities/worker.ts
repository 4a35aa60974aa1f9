import { NativeConnection, Worker } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import { type Config, masterKey, temporalConnectionOptions } from '../config';
import { EncryptionCodec, payloadKey } from './codec';
import type { Db } from '../db/database';
import { createActivities } from '.';
import { type ChannelRegistry, createChannelRegistry } from './channels';
import { enrichmentOptions } from './enrichment';

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
  const { config, db } = opts;
  const connection = opts.connection ?? (await NativeConnection.connect(temporalConnectionOptions(config)));
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ db, channels: opts.channels ?? createChannelRegistry(db), enrichment: enrichmentOptions(config) }),
    dataConverter: { payloadCodecs: [opts.codec ?? new EncryptionCodec(payloadKey(masterKey(config)))] },
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_ACTIVITIES,
    ...(config.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } : {}),
  });
}
