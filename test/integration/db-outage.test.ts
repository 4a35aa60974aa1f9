import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { Client as PgClient } from 'pg';
import { createDb, isDatabaseUnavailable } from '../../db/database';
import { type TcpProxy, startTcpProxy } from '../../scripts/chaos/tcp-proxy';
import { type TestStack, TEST_MASTER_KEY, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const { freePort } = require('../../scripts/temporal.cjs');

const APP_NAME = 'parley-db-outage-test';

describe('a dropped database connection', () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let child: ChildProcess;
  let exited: Promise<string>;
  let apiUrl: string;
  let proxiedUrl: string;
  let org: Awaited<ReturnType<typeof seedOrg>>;

  beforeAll(async () => {
    stack = await startTestStack({}, { api: false, worker: false });
    org = await seedOrg(stack.db);
    const dbUrl = new URL(stack.config.DATABASE_URL!);
    proxy = await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    dbUrl.host = `127.0.0.1:${proxy.port}`;
    dbUrl.searchParams.set('application_name', APP_NAME);
    proxiedUrl = dbUrl.toString();
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    // A separate API process, so that an unhandled 'error' event shows as the process dying.
    child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'api', 'main.ts')], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: dbUrl.toString(),
        TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
        PARLEY_MASTER_KEY: TEST_MASTER_KEY,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(`exited (${code ?? signal}): ${stderr.slice(0, 500)}`)));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      void exited.then((why) => reject(new Error(why)));
    });
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await proxy?.close();
    await stack?.stop();
  });

  const api = () => apiClient(apiUrl, org.apiKey);

  it('when PostgreSQL terminates the pool connections, then the process survives and the next request reconnects', async () => {
    expect((await api().get('/v1/org')).status).toBe(200);
    const admin = new PgClient({ connectionString: stack.config.DATABASE_URL });
    await admin.connect();
    const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [APP_NAME]);
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);

    // The idle client's error arrives asynchronously; give a crash every chance to happen.
    const outcome = await Promise.race([
      exited,
      eventually(async () => ((await api().get('/v1/org')).status === 200 ? 'alive' : undefined), 20_000, 'a request after the terminate'),
    ]);
    expect(outcome).toBe('alive');
    const health = await api().get('/healthz');
    expect(health.body.database).toBe('ok');
    expect(child.exitCode).toBeNull();
  });

  it('when PostgreSQL is unreachable, then /healthz says the database is down and requests get 503 until it is back', async () => {
    proxy.cut();
    try {
      const health = await api().get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'degraded', database: 'down' });
      const res = await api().get('/v1/org');
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    } finally {
      proxy.restore();
    }
    expect(
      (await eventually(async () => ((await api().get('/v1/org')).status === 200 ? 'ok' : undefined), 20_000, 'recovery')) as string,
    ).toBe('ok');
    expect((await api().get('/healthz')).body.database).toBe('ok');
    expect(child.exitCode).toBeNull();
  });

  it('when the connection drops while a transaction holds it, then the transaction fails as unavailable and the pool carries on', async () => {
    const lost: Error[] = [];
    const db = createDb(proxiedUrl, 2, (err) => lost.push(err));
    try {
      const failed = await db
        .transaction()
        .execute(async (trx) => {
          await sql`select 1`.execute(trx);
          proxy.cut();
          // Between queries: the reset reaches the checked-out client, not a query.
          await eventually(async () => (lost.length > 0 ? true : undefined), 10_000, 'the lost connection to be reported');
          return sql`select 1`.execute(trx);
        })
        .catch((err: unknown) => err);
      expect(isDatabaseUnavailable(failed)).toBe(true);
      proxy.restore();
      expect((await sql<{ n: number }>`select 1 as n`.execute(db)).rows).toEqual([{ n: 1 }]);
    } finally {
      proxy.restore();
      await db.destroy();
    }
  });
});
