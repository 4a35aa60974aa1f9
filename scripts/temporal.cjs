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

/** Starts `temporal server start-dev` and resolves once its frontend listens. */
async function startTemporal({ port = 7233, uiPort = 8233, dbFile, headless = false, codecEndpoint, log = console.log, stderr = 'inherit' } = {}) {
  const bin = ensureTemporal(log);
  if (await isOpen(port)) {
    throw new Error(`port ${port} is in use: stop the other Temporal server, or set TEMPORAL_ADDRESS=127.0.0.1:${port} to use it`);
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  if (dbFile) args.push('--db-filename', dbFile);
  if (headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (codecEndpoint && !headless) args.push('--ui-codec-endpoint', codecEndpoint);
  for (const name of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', stderr] });
  // An orphaned dev server would hold the port and the SQLite file after we die.
  process.once('exit', () => child.kill('SIGTERM'));
  const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`temporal exited with ${code}`))));
  await Promise.race([waitForPort(port), exited]);
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, address: `127.0.0.1:${port}`, stop };
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

module.exports = { TEMPORAL_CLI_VERSION, SEARCH_ATTRIBUTES, ensureTemporal, startTemporal, freePort, waitForPort };
