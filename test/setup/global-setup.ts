import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../platform/codec';
import { Client as PgClient } from 'pg';
import { createDb, migrate } from '../../db/database';
import { testSecrets } from '../helpers/secrets';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../db/embedded';

const { startTemporal, freePort } = require('../../scripts/temporal.cjs');

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(!!socket.end()));
    socket.once('error', () => resolve(false));
  });

/**
 * TEST_DATABASE_URL, else the server on 127.0.0.1:5432, else (or with
 * TEST_EMBEDDED_POSTGRES=1) an embedded server in a temporary folder for this run.
 */
async function adminDatabase(): Promise<{ adminUrl: string; embedded?: EmbeddedPostgres; embeddedDir?: string }> {
  if (process.env.TEST_DATABASE_URL) return { adminUrl: process.env.TEST_DATABASE_URL };
  if (process.env.TEST_EMBEDDED_POSTGRES !== '1' && (await answers(5432))) return { adminUrl: LOCAL_SERVER };
  const embeddedDir = mkdtempSync(path.join(os.tmpdir(), 'parley-test-pg-'));
  chmodSync(embeddedDir, 0o755); // run as root, the server runs as the postgres user and must reach its folder
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(embeddedDir, 'data'),
    port: await freePort(),
    fast: true,
    log: () => undefined,
  });
  return { adminUrl: embedded.url, embedded, embeddedDir };
}

/**
 * One dev server, one throwaway database and one workflow bundle for the whole
 * run; test files each start their own worker on their own task queue.
 */
export default async function globalSetup(): Promise<void> {
  const { adminUrl, embedded, embeddedDir } = await adminDatabase();
  const dbName = `parley_test_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const db = createDb(url.toString(), 1);
  await migrate(db, testSecrets);
  await db.destroy();

  let temporal: { stop: () => Promise<void>; address: string } | undefined;
  if (!process.env.TEMPORAL_TEST_ADDRESS) {
    temporal = await startTemporal({ port: await freePort(), headless: true, log: () => undefined });
  }
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger,
  });
  const bundlePath = path.join(os.tmpdir(), `parley-workflows-${dbName}.js`);
  writeFileSync(bundlePath, code);

  process.env.PARLEY_TEST_DATABASE_URL = url.toString();
  process.env.PARLEY_TEST_TEMPORAL = process.env.TEMPORAL_TEST_ADDRESS ?? temporal!.address;
  process.env.PARLEY_TEST_BUNDLE = bundlePath;
  (globalThis as Record<string, unknown>).__parley = { temporal, adminUrl, dbName, embedded, embeddedDir };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
