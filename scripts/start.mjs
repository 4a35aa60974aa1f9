// `npm start`: installs what is missing, then runs the dev stack.
import { execSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The re-run on a supported Node owns this process from here on.
if (require('./node.cjs').rerunOnSupportedNode()) await new Promise(() => {});
const lockNewer = () =>
  !existsSync('node_modules/.package-lock.json') ||
  statSync('package-lock.json').mtimeMs > statSync('node_modules/.package-lock.json').mtimeMs;
if (!existsSync('node_modules') || lockNewer()) {
  console.log('Installing npm dependencies...');
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
require('./temporal.cjs').ensureTemporal();

// The IPC channel closes when this process dies, however it dies: the stack then stops itself.
const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  // A crash (a native abort, say) skips the stack's own clean-up message; its dev server dies with it.
  if (signal) console.error(`\nParley stopped: the stack was killed by ${signal}.`);
  process.exit(signal ? 1 : (code ?? 1));
});
