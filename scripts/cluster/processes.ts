// Child processes of the cluster: named, stopped in order, and reported when
// one dies on its own.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const STOP_GRACE_MS = 30_000;

// On Linux a child gets SIGTERM when this process dies, however it dies (even SIGKILL).
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => process.platform === 'linux' && existsSync(p));

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<string>;
}

export class Children {
  private readonly all: Child[] = [];
  private stopping = false;

  /** Called once with the first child that exits before stop() was called. */
  constructor(private readonly onUnexpectedExit: (child: Child, how: string) => void) {
    process.once('exit', () => this.all.forEach((c) => c.process.kill('SIGKILL')));
  }

  /** Starts a child in its own process group, so that Ctrl-C reaches only us and we stop them in order. */
  start(name: string, command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {}): Child {
    const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', command, ...args]] : [command, args];
    const proc = spawn(cmd, argv, { env: opts.env ?? process.env, stdio: opts.stdio ?? ['ignore', 'inherit', 'inherit'], detached: true });
    const exited = new Promise<string>((resolve) => {
      proc.once('error', (err) => resolve(err.message));
      proc.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
    });
    const child = { name, process: proc, exited };
    this.all.push(child);
    void exited.then((how) => {
      if (!this.stopping) {
        this.stopping = true;
        this.onUnexpectedExit(child, how);
      }
    });
    return child;
  }

  /** Stops the children in reverse order of start, each with SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const group of [this.all.slice(1).reverse(), this.all.slice(0, 1)]) {
      await Promise.all(group.map((c) => stopOne(c)));
    }
  }
}

async function stopOne(child: Child) {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}
