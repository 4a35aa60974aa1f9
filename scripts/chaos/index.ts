// npm run chaos -- [--scenario R1|R2|R3|R5] [--contacts 5000] [--kills 10] [--outage 30] [--temporal-down 10] [--recovery-limit 600] [--json]
// Fault tests: each scenario runs against a fresh throwaway database and its own
// file-backed dev server, injects its fault, then checks the database and the
// sandbox outbox: one first message per contact, none stuck, every process up.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../platform/codec';
import { installRuntime } from '../../platform/stack';
import { type ChaosEnv, scratchDir, startChaosEnv } from './env';
import { SCENARIOS, type ScenarioOptions, type ScenarioResult } from './scenarios';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const wantJson = process.argv.includes('--json');
const picked = process.argv.indexOf('--scenario') >= 0 ? process.argv[process.argv.indexOf('--scenario') + 1].toUpperCase() : undefined;

const options: ScenarioOptions = {
  contacts: arg('contacts', 5000),
  kills: arg('kills', 10),
  outageSeconds: arg('outage', 30),
  temporalDownSeconds: arg('temporal-down', 10),
  recoveryLimitSeconds: arg('recovery-limit', 600),
};

const noop = () => undefined;
let current: ChaosEnv | undefined;
let dir: string | undefined;

async function cleanup() {
  await current?.cleanup();
  current = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

function print(result: ScenarioResult) {
  const rows = Object.entries({ ...result.figures, pass: result.pass });
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${result.scenario}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${String(v)}`);
}

async function main() {
  const names = picked ? [picked] : Object.keys(SCENARIOS);
  for (const name of names)
    if (!(name in SCENARIOS)) throw new Error(`unknown scenario ${name}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  installRuntime('warn');
  dir = scratchDir();
  const bundlePath = path.join(dir, 'workflows.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
  });
  writeFileSync(bundlePath, code);

  const results: ScenarioResult[] = [];
  for (const name of names) {
    current = await startChaosEnv({ bundlePath, dir });
    try {
      const result = await SCENARIOS[name as keyof typeof SCENARIOS](current, options);
      if (!result.pass)
        console.error(`${name} failed; the worker log ends:\n${readFileSync(current.workerLog, 'utf8').split('\n').slice(-30).join('\n')}`);
      results.push(result);
      print(result);
    } finally {
      await current.cleanup();
      current = undefined;
    }
  }
  const pass = results.every((r) => r.pass);
  console.log(`\npass  ${pass}`);
  if (wantJson)
    console.log(
      JSON.stringify({ options, scenarios: Object.fromEntries(results.map((r) => [r.scenario, { ...r.figures, pass: r.pass }])), pass }),
    );
  return pass;
}

main()
  .then(async (pass) => {
    await cleanup();
    process.exit(pass ? 0 : 1);
  })
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
