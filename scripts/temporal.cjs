// Builds (once, cached by version) and runs the Temporal CLI dev server.
// Plain CommonJS with no dependencies: it runs before `npm install` has.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const TEMPORAL_CLI_VERSION = '1.5.1';
const SEARCH_ATTRIBUTES = ['OrgId', 'CampaignId', 'JourneyId', 'Channel', 'ConversationStatus', 'Outcome'];

function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'parley', `temporal-${TEMPORAL_CLI_VERSION}`);
}

/** Returns the path of the Temporal CLI, building it from Go modules if needed. */
function ensureTemporal(log = console.log) {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const dir = cacheDir();
  const bin = path.join(dir, 'temporal');
  if (fs.existsSync(bin)) return bin;
  log(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} from Go modules (once, a few minutes)...`);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' },
  });
  return bin;
}

function isOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function waitForPort(port, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`Temporal did not open port ${port}`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function commandOf(pid) {
  try {
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** Stops the dev server a previous run recorded in `pidFile` and could not stop (it was killed outright). */
async function stopLeftover(pidFile, log) {
  if (!pidFile || !fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  fs.rmSync(pidFile, { force: true });
  // The pid may since belong to another program: only a dev server is stopped.
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !commandOf(pid).includes('start-dev')) return;
  log(`Stopping the Temporal dev server (pid ${pid}) left running by an earlier run...`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

// On Linux the dev server gets SIGTERM when its parent dies, however it dies (even SIGKILL).
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => process.platform === 'linux' && fs.existsSync(p));

/**
 * Starts `temporal server start-dev` and resolves once its frontend listens.
 * `exited` settles when the server exits, for whatever reason; `pidFile`
 * records its pid so that the next start can stop a server we could not.
 */
async function startTemporalOnce({
  port = 7233,
  uiPort = 8233,
  dbFile,
  pidFile,
  headless = false,
  codecEndpoint,
  log = console.log,
  stderr = 'inherit',
} = {}) {
  const bin = ensureTemporal(log);
  await stopLeftover(pidFile, log);
  if (await isOpen(port)) {
    throw new Error(`port ${port} is in use: stop the other Temporal server, or set TEMPORAL_ADDRESS=127.0.0.1:${port} to use it`);
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  if (dbFile) args.push('--db-filename', dbFile);
  if (headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (codecEndpoint && !headless) args.push('--ui-codec-endpoint', codecEndpoint);
  for (const name of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'SIGTERM', '--', bin, ...args], { stdio: ['ignore', 'ignore', stderr] })
    : spawn(bin, args, { stdio: ['ignore', 'ignore', stderr] });
  // An orphaned dev server would hold the port and the SQLite file after we die.
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild);
  if (pidFile) fs.writeFileSync(pidFile, String(child.pid));
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killChild);
      if (pidFile) fs.rmSync(pidFile, { force: true });
      resolve({ code, signal });
    }),
  );
  const failed = exited.then(({ code, signal }) => {
    throw new Error(`temporal exited with ${signal ?? code}`);
  });
  failed.catch(() => undefined); // once started, callers watch `exited`
  await Promise.race([waitForPort(port), failed]);
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, address: `127.0.0.1:${port}`, stop, exited };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/**
 * A dev server started right after another one stopped can exit at once, while the old one's
 * UI port or SQLite lock is still being released: such a start is tried again, a few times.
 */
async function startTemporal(opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTemporalOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/^temporal exited with 1$/.test(err.message)) throw err;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

module.exports = { TEMPORAL_CLI_VERSION, SEARCH_ATTRIBUTES, ensureTemporal, startTemporal, freePort, waitForPort };
