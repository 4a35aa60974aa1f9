// `npm run test:clock`: the tests that deal in dates and times, run with this
// process's time zone at the ends of the earth and, where libfaketime is
// installed (apt-get install faketime), with Node's clock moved through the
// day. The Temporal dev server is static Go and keeps the real clock, so the
// shifted runs show the tests take "now" from the workflow's clock, never from
// this process's. The hours themselves are swept in test/unit/journey/clock.test.ts.
import { spawnSync } from 'node:child_process';

const FILES = [
  'test/unit',
  'test/workflow/conversation-steps.test.ts',
  'test/workflow/conversation-signals.test.ts',
  'test/integration/samples.test.ts',
];
const ZONES = ['Pacific/Kiritimati', 'Pacific/Niue', 'Europe/London'];
const SHIFTS = ['-1d', '+7h', '+15h'];

const hasFaketime = spawnSync('faketime', ['-f', '+0', 'true']).status === 0;
const runs = [
  ...ZONES.map((tz) => ({ label: `TZ=${tz}`, env: { TZ: tz }, cmd: [] })),
  ...(hasFaketime ? SHIFTS.map((s) => ({ label: `node clock ${s}, TZ=UTC`, env: { TZ: 'UTC' }, cmd: ['faketime', '-f', s] })) : []),
];

const results = runs.map(({ label, env, cmd }) => {
  console.log(`\n== ${label}`);
  const [bin, ...args] = [...cmd, 'npx', 'jest', ...FILES];
  const r = spawnSync(bin, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return { label, ok: r.status === 0 };
});
if (!hasFaketime) console.log('\nlibfaketime not installed: runs with a shifted Node clock skipped');
for (const r of results) console.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.label}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
