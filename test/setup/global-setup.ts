import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { createDb, migrate } from '../../db/database';

const { startTemporal, freePort } = require('../../scripts/temporal.cjs');

/**
 * One dev server, one throwaway database and one workflow bundle for the whole
 * run; test files each start their own worker on their own task queue.
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `parley_test_${randomBytes(4).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const db = createDb(url.toString(), 1);
  await migrate(db);
  await db.destroy();

  let temporal: { stop: () => Promise<void>; address: string } | undefined;
  if (!process.env.TEMPORAL_TEST_ADDRESS) {
    temporal = await startTemporal({ port: await freePort(), headless: true, log: () => undefined });
  }
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  const bundlePath = path.join(os.tmpdir(), `parley-workflows-${dbName}.js`);
  writeFileSync(bundlePath, code);

  process.env.PARLEY_TEST_DATABASE_URL = url.toString();
  process.env.PARLEY_TEST_TEMPORAL = process.env.TEMPORAL_TEST_ADDRESS ?? temporal!.address;
  process.env.PARLEY_TEST_BUNDLE = bundlePath;
  (globalThis as Record<string, unknown>).__parley = { temporal, adminUrl, dbName };
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
