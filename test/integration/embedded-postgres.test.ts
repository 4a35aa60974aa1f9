import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../db/embedded';

const { freePort } = require('../../scripts/temporal.cjs');

async function query(url: string, text: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

const quiet = () => undefined;

describe('embedded PostgreSQL', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-embedded-'));
  // Run as root, the server runs as the postgres user, which must reach its folder in here.
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when stopped and started again, then the data is still there and it runs as a user PostgreSQL accepts', async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, log: quiet });
    await query(first.url, 'create table kept (n int); insert into kept values (42)');
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port, log: quiet });
    try {
      expect(await query(second.url, 'select n from kept')).toEqual([{ n: 42 }]);
      const [{ server_version: version }] = await query(second.url, 'show server_version');
      expect(version).toMatch(/^18\./);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('when an earlier run left its server running, then the next start stops it and takes over', async () => {
    const leftover = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: quiet });
    const lines: string[] = [];
    const next = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: (l) => lines.push(l) });
    try {
      expect(await leftover.exited).toEqual({ code: 0, signal: null });
      expect(lines.join('\n')).toContain(`(pid ${leftover.pid}) left running`);
      expect(await query(next.url, 'select n from kept')).toEqual([{ n: 42 }]);
    } finally {
      await next.stop();
    }
  }, 120_000);

  it('when its lock file names a live process that is not PostgreSQL, then it still starts', async () => {
    const other = spawn('sleep', ['600']);
    try {
      // The lock of a server killed outright, whose pid now belongs to another program.
      writeFileSync(path.join(dataDir, 'postmaster.pid'), `${other.pid}\n${dataDir}\n`);
      const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: quiet });
      await pg.stop();
    } finally {
      other.kill();
    }
  }, 120_000);
});
