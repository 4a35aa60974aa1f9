import { rmSync } from 'node:fs';
import { Client as PgClient } from 'pg';
import type { EmbeddedPostgres } from '../../db/embedded';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__parley as
    | { temporal?: { stop: () => Promise<void> }; adminUrl: string; dbName: string; embedded?: EmbeddedPostgres; embeddedDir?: string }
    | undefined;
  if (!state) return;
  await state.temporal?.stop();
  if (state.embedded) {
    await state.embedded.stop();
    // PARLEY_KEEP_TEST_DB keeps the embedded server's folder too.
    if (!process.env.PARLEY_KEEP_TEST_DB) rmSync(state.embeddedDir!, { recursive: true, force: true });
    return;
  }
  if (process.env.PARLEY_KEEP_TEST_DB) return;
  const admin = new PgClient({ connectionString: state.adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${state.dbName} with (force)`);
  await admin.end();
}
