// A Temporal server on PostgreSQL, built from Go modules once and cached like
// the CLI in scripts/temporal.cjs. Its schema files and config template are
// read from the Go module cache, never copied into this repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { type ClusterSettings, clusterDatabaseUrl } from './settings';
import { editYaml } from './yaml';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`;

function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'parley', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/** Paths of the server, its SQL schema tool and the module source, building them if needed. */
export function ensureTemporalServer(log: (line: string) => void = console.log) {
  const dir = cacheDir();
  const server = path.join(dir, 'server');
  const sqlTool = path.join(dir, 'sql');
  if (!existsSync(server) || !existsSync(sqlTool)) {
    log(`Building the Temporal server v${TEMPORAL_SERVER_VERSION} and its SQL tool from Go modules (once, about five minutes)...`);
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'go',
      [
        'install',
        `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' },
      },
    );
  }
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const source = path.join(modCache, MODULE);
  if (!existsSync(source)) execFileSync('go', ['mod', 'download', MODULE], { stdio: 'inherit', cwd: os.tmpdir() });
  return { server, sqlTool, source };
}

/** Creates the database unless it exists. */
export async function ensureDatabase(settings: ClusterSettings, name: string) {
  const admin = new PgClient({ connectionString: clusterDatabaseUrl(settings, 'postgres') });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!found.rowCount) await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

async function hasSchemaVersion(settings: ClusterSettings, database: string) {
  const db = new PgClient({ connectionString: clusterDatabaseUrl(settings, database) });
  await db.connect();
  try {
    return (await db.query("select to_regclass('schema_version') is not null as found")).rows[0].found as boolean;
  } finally {
    await db.end();
  }
}

function pgTarget(settings: ClusterSettings) {
  const url = new URL(settings.DATABASE_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  };
}

/** Creates both Temporal databases and brings their schema up to this server version; cheap when already done. */
export async function ensureSchema(settings: ClusterSettings, tools: { sqlTool: string; source: string }) {
  const pg = pgTarget(settings);
  const schemaRoot = path.join(tools.source, 'schema', 'postgresql', 'v12');
  for (const [database, folder] of [
    [settings.TEMPORAL_DB_NAME, 'temporal'],
    [settings.TEMPORAL_VISIBILITY_DB_NAME, 'visibility'],
  ]) {
    await ensureDatabase(settings, database);
    const sql = (...args: string[]) =>
      execFileSync(
        tools.sqlTool,
        ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', database, ...args],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          // In the environment, not the arguments: a failure message quotes the command.
          env: { ...process.env, SQL_PASSWORD: pg.password },
        },
      );
    if (!(await hasSchemaVersion(settings, database))) sql('setup-schema', '-v', '0.0');
    sql('update-schema', '-d', path.join(schemaRoot, folder, 'versioned'));
  }
}

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

/** Writes `<dir>/config/development.yaml` from the module's postgres12 template: our database, our ports, no archival. */
export function writeServerConfig(settings: ClusterSettings, source: string, dir: string, ports: ServerPorts, dynamicConfig: string): void {
  const template = readFileSync(path.join(source, 'config', 'development-postgres12.yaml'), 'utf8');
  const pg = pgTarget(settings);
  const store = (name: string, database: string, maxConns: number) => ({
    [`persistence.datastores.${name}.sql.databaseName`]: database,
    [`persistence.datastores.${name}.sql.connectAddr`]: `${pg.host}:${pg.port}`,
    [`persistence.datastores.${name}.sql.user`]: pg.user,
    [`persistence.datastores.${name}.sql.password`]: pg.password,
    [`persistence.datastores.${name}.sql.maxConns`]: maxConns,
    [`persistence.datastores.${name}.sql.maxIdleConns`]: maxConns,
  });
  const service = (name: string, grpc: number, membership: number) => ({
    [`services.${name}.rpc.grpcPort`]: grpc,
    [`services.${name}.rpc.membershipPort`]: membership,
  });
  const config = editYaml(
    template,
    {
      'log.level': 'warn',
      ...store('postgres-default', settings.TEMPORAL_DB_NAME, settings.TEMPORAL_DB_MAX_CONNS),
      ...store('postgres-visibility', settings.TEMPORAL_VISIBILITY_DB_NAME, 2),
      'global.pprof.port': 0,
      'global.metrics.prometheus.listenAddress': `127.0.0.1:${ports.metrics}`,
      ...service('frontend', ports.frontend, ports.frontendMembership),
      'services.frontend.rpc.httpPort': ports.frontendHttp,
      ...service('history', ports.history, ports.historyMembership),
      ...service('matching', ports.matching, ports.matchingMembership),
      ...service('worker', ports.worker, ports.workerMembership),
      'clusterMetadata.clusterInformation.active.rpcAddress': `127.0.0.1:${ports.frontend}`,
      'dynamicConfigClient.filepath': dynamicConfig,
    },
    // Archival would need a writable filestore; Parley does not use it.
    ['archival', 'namespaceDefaults'],
  );
  mkdirSync(path.join(dir, 'config'), { recursive: true });
  writeFileSync(path.join(dir, 'config', 'development.yaml'), config, { mode: 0o600 });
}

/** Arguments that start the server on the config in `dir`. */
export const serverArgs = (dir: string) => ['--root', dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'];
