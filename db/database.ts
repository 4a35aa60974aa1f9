import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

// bigint columns (sequence numbers) stay strings; counts are cast explicitly.
types.setTypeParser(types.builtins.INT8, (v) => v);

export type Db = Kysely<Database>;

export function createDb(url: string, poolMax = 10): Db {
  const pool = new Pool({ connectionString: url, max: poolMax });
  // An idle connection the server closed (a restart, a failover) leaves the pool, which opens
  // a new one on demand; unheard, its 'error' event would crash the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Applies every pending migration; throws with the failing one's name. */
export async function migrate(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  return (results ?? []).map((r) => r.migrationName);
}
