// `npm test`: installs what is missing, then lint, the formatter's check, type-check and the jest suite
// (which starts its own Temporal dev server and throwaway PostgreSQL database).
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The re-run on a supported Node owns this process from here on.
if (require('./node.cjs').rerunOnSupportedNode()) await new Promise(() => {});
const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
if (!existsSync('node_modules')) run('npm install --no-audit --no-fund');
require('./temporal.cjs').ensureTemporal();
require('./chromium.cjs').ensureChromium();
run('npx eslint .');
run('npx prettier --check --log-level warn .');
run('npx tsc -p tsconfig.json --noEmit');
run(`npx jest ${process.argv.slice(2).join(' ')}`);
