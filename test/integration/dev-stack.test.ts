import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sandboxPhone } from '../helpers/sandbox';
import { apiClient } from '../helpers/stack';

const { freePort } = require('../../scripts/temporal.cjs');

interface Running {
  child: ChildProcess;
  api: string;
  key: string;
  channelId: string;
  journeyId: string;
}

/** Runs the `npm start` stack (dev server, embedded PGlite, API, worker) until it prints its banner. */
function startDev(env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'dev.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      resolve({ child, api: field('API'), key: field('API key'), channelId: field('channelId'), journeyId: field('journeyId') });
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

describe('npm start', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when stopped with Ctrl-C and started again, then it reuses the demo org and a waiting conversation carries on', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_DATA_DIR: dataDir, PORT: String(await freePort()), TEMPORAL_DEV_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    delete env.TEMPORAL_ADDRESS;
    delete env.DATABASE_URL;

    const first = await startDev(env);
    const api = apiClient(first.api, first.key);
    const created = await api.post('/v1/conversations', { journeyId: first.journeyId, channelId: first.channelId, contact: { address: '07911 123495', fields: { firstName: 'Nia' } } });
    expect(created.status).toBe(201);
    const phone = sandboxPhone(api, first.channelId, '07911 123495');
    expect(await phone.receive(2)).toEqual(['Hi Nia! This is the Parley demo.', 'Is this your first time trying Parley? Reply YES or NO.']);
    // The dev Temporal UI calls the codec from this machine without a token.
    expect((await apiClient(first.api).post('/codec/decode', { payloads: [] })).status).toBe(200);
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
