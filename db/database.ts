import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { Pool, types } from 'pg';
import { type MigrationKeys, migrationProvider } from './migrations';
import type { Database } from './schema';

// bigint columns (sequence numbers) stay strings; counts are cast explicitly.
types.setTypeParser(types.builtins.INT8, (v) => v);

export type Db = Kysely<Database>;

// Bounds a connect to a silent (blackholed) server; it also bounds the wait for a free pool slot, hence generous.
const CONNECT_TIMEOUT_MS = 30_000;

const warnOnStderr = (err: Error) => console.error(`database connection lost: ${err.message}`);

/**
 * A pool that outlives its connections: an idle connection dropped by the server (restart, failover,
 * a pooler's idle timeout) is logged and replaced on next use instead of killing the process.
 */
export function createDb(url: string, poolMax = 10, onConnectionError: (err: Error) => void = warnOnStderr): Db {
  const pool = new Pool({ connectionString: url, max: poolMax, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client's error reaches both listeners: report it once.
  const reported = new WeakSet<Error>();
  const report = (err: Error) => {
    if (reported.has(err)) return;
    reported.add(err);
    onConnectionError(err);
  };
  pool.on('error', report);
  // A client checked out between queries (in a transaction) errors on itself, not on the pool; the pool drops it on release.
  pool.on('connect', (client) => client.on('error', report));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Applies every pending migration, sealing secrets with `keys`; throws with the failing one's name. */
export async function migrate(db: Kysely<any>, keys: MigrationKeys): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(keys) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  return (results ?? []).map((r) => r.migrationName);
}

const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGE = /^Connection terminated|timeout exceeded when trying to connect|not queryable/;

/** True when an error means PostgreSQL could not be reached or dropped the connection: worth a retry, not a 500. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
    e && typeof e === 'object';
    e = e.cause as typeof e
  ) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/** True when the database answers a trivial query. */
export async function isReachable(db: Db): Promise<boolean> {
  return sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
}

/**
 * `= anyOf(values)`: a list of any length as one array parameter, where `in (…)` would bind and plan one
 * parameter per value (a batch of thousands of addresses, slow to plan and capped at 65,535).
 */
export const anyOf = (values: readonly string[]) => sql<string>`any(${values as string[]}::text[])`;
