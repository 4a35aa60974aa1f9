import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sandboxPhone } from '../helpers/sandbox';
import { apiClient } from '../helpers/stack';

const { freePort } = require('../../scripts/temporal.cjs');

interface Running {
  child: ChildProcess;
  /** Everything printed so far. */
  output: () => string;
  api: string;
  key: string;
  channelId: string;
  journeyId: string;
}

/** Runs the `npm start` stack (dev server, embedded PostgreSQL, API, worker) until it prints its banner. */
function startDev(env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'dev.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in time:\n${out}`)), 120_000);
    child.once('exit', (code) => reject(new Error(`dev stack exited with ${code}:\n${out}`)));
    child.stderr!.on('data', (d) => (out += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('Stop with Ctrl-C.')) return;
      clearTimeout(timer);
      const field = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(out)![1];
      resolve({
        child,
        output: () => out,
        api: field('API'),
        key: field('API key'),
        channelId: field('channelId'),
        journeyId: field('journeyId'),
      });
    });
  });
}

/** Ctrl-C; the exit code, or the signal that killed the stack instead. */
function stop(child: ChildProcess): Promise<number | string | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.kill('SIGINT');
  });
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(!!socket.end()));
    socket.once('error', () => resolve(false));
  });

async function waitUntil(what: string, check: () => Promise<boolean>, ms = 30_000) {
  for (const deadline = Date.now() + ms; !(await check());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function devEnv(dataDir: string) {
  const metricsPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PARLEY_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    POSTGRES_DEV_PORT: String(await freePort()),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    LOG_LEVEL: 'warn',
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.DATABASE_URL;
  return { env, ports: [env.PORT, env.TEMPORAL_DEV_PORT, env.TEMPORAL_UI_PORT, env.POSTGRES_DEV_PORT, metricsPort].map(Number) };
}

describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-dev-'));
  // Run as root, the embedded PostgreSQL runs as the postgres user, which must reach its folder in here.
  chmodSync(dataDir, 0o755);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when its Temporal dev server dies, then the stack stops, exits non-zero saying why, and frees its ports', async () => {
    const { env, ports } = await devEnv(dataDir);
    const dev = await startDev(env);
    const pidFile = path.join(dataDir, 'temporal.pid');
    try {
      const temporal = Number(readFileSync(pidFile, 'utf8').trim());
      expect(execFileSync('ps', ['-o', 'ppid=', '-p', String(temporal)], { encoding: 'utf8' }).trim()).toBe(String(dev.child.pid));
      process.kill(temporal, 'SIGKILL');

      expect(await exitOf(dev.child)).toBe(1);
      expect(dev.output()).toContain('Parley stopped: the Temporal dev server exited unexpectedly (SIGKILL).');
      expect(await Promise.all(ports.map(listening))).toEqual(ports.map(() => false));
      expect(existsSync(pidFile)).toBe(false);
    } finally {
      dev.child.kill('SIGKILL');
    }
  }, 180_000);

  it('when its PostgreSQL dies, then the stack stops, exits non-zero saying why, and frees its ports', async () => {
    const { env, ports } = await devEnv(dataDir);
    const dev = await startDev(env);
    try {
      const postmaster = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(postmaster, 'SIGKILL');

      expect(await exitOf(dev.child)).toBe(1);
      expect(dev.output()).toContain('Parley stopped: the embedded PostgreSQL exited unexpectedly (SIGKILL).');
      expect(await Promise.all(ports.map(listening))).toEqual(ports.map(() => false));
    } finally {
      dev.child.kill('SIGKILL');
    }
  }, 180_000);

  it('when the stack is killed outright, then its dev server goes with it and the next start succeeds', async () => {
    const { env, ports } = await devEnv(dataDir);
    const first = await startDev(env);
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    await waitUntil('the dev server has let go of its ports', async () => (await Promise.all(ports.map(listening))).every((l) => !l));

    const second = await startDev(env);
    expect(await stop(second.child)).toBe(0);
  }, 240_000);

  it('when stopped with Ctrl-C and started again, then it reuses the demo org and a waiting conversation carries on', async () => {
    const { env } = await devEnv(dataDir);

    const first = await startDev(env);
    const api = apiClient(first.api, first.key);
    const created = await api.post('/v1/conversations', {
      journeyId: first.journeyId,
      channelId: first.channelId,
      contact: { address: '07911 123495', fields: { firstName: 'Nia' } },
    });
    expect(created.status).toBe(201);
    const phone = sandboxPhone(api, first.channelId, '07911 123495');
    expect(await phone.receive(2)).toEqual(['Hi Nia! This is the Parley demo.', 'Is this your first time trying Parley? Reply YES or NO.']);
    // The dev Temporal UI calls the codec from this machine without a token.
    expect((await apiClient(first.api).post('/codec/decode', { payloads: [] })).status).toBe(200);
    // Both metrics endpoints the banner names answer: the API's, and the worker's with the SDK's metrics.
    const [apiMetrics, workerMetrics] = /Metrics\s+(\S+)\s+\(worker: (\S+)\)/.exec(first.output())!.slice(1);
    expect(await (await fetch(apiMetrics)).text()).toMatch(/^parley_conversations\{state="active"\} [1-9]/m);
    // The task that sent the messages may still be completing.
    await waitUntil('the worker reports its conversation workflow tasks', async () =>
      /^temporal_workflow_task_execution_latency_count\{.*workflow_type="conversation"/m.test(await (await fetch(workerMetrics)).text()),
    );
    expect(await stop(first.child)).toBe(0);

    const second = await startDev(env);
    try {
      expect([second.key, second.channelId, second.journeyId]).toEqual([first.key, first.channelId, first.journeyId]);
      const again = sandboxPhone(apiClient(second.api, second.key), second.channelId, '07911 123495');
      await again.receive(2);
      await again.say('yes');
      expect(await again.receive(1)).toEqual(['Welcome aboard, Nia!']);
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  }, 240_000);
});
