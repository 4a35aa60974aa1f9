import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const { ensureTemporal } = require('../../scripts/temporal.cjs');

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

/** A workflow's history as the Temporal CLI exports it (proto JSON, payload data in base64). */
export function exportHistory(workflowId: string): string {
  const args = ['workflow', 'show', '--workflow-id', workflowId, '--address', process.env.PARLEY_TEST_TEMPORAL!, '--output', 'json'];
  return execFileSync(ensureTemporal(), args, { maxBuffer: 64 * 2 ** 20 }).toString();
}

/** Every payload's bytes in a history, decoded from base64 as text: what Temporal stores. */
export function storedPayloadTexts(historyJson: string): string[] {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'data' && typeof value === 'string') texts.push(Buffer.from(value, 'base64').toString('latin1'));
      else walk(value);
    }
  };
  walk(JSON.parse(historyJson));
  return texts;
}

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history for the replay
 * test: `RECORD_HISTORIES=1 npx jest test/integration`.
 */
export async function recordHistory(workflowId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), exportHistory(workflowId));
}
