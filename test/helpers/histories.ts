import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const { ensureTemporal } = require('../../scripts/temporal.cjs');

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history (as the Temporal
 * CLI exports it) for the replay test: `RECORD_HISTORIES=1 npx jest test/integration`.
 */
export async function recordHistory(workflowId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const json = execFileSync(ensureTemporal(), ['workflow', 'show', '--workflow-id', workflowId, '--address', process.env.PARLEY_TEST_TEMPORAL!, '--output', 'json'], { maxBuffer: 64 * 2 ** 20 });
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
}
