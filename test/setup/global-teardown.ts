import { Client as PgClient } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__parley as
    | { temporal?: { stop: () => Promise<void> }; adminUrl: string; dbName: string }
    | undefined;
  if (!state) return;
  await state.temporal?.stop();
  if (process.env.PARLEY_KEEP_TEST_DB) return;
  const admin = new PgClient({ connectionString: state.adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${state.dbName} with (force)`);
  await admin.end();
}
