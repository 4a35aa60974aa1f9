import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { type Config, masterKey } from '../../config';
import { EncryptionCodec, payloadKey } from '../../platform/codec';
import { eventually } from './stack';

const run = promisify(execFile);

/** How a text may sit in a dump: as written, upper or lower case, or as the hex of a bytea column. */
const forms = (needle: string) => [needle.toLowerCase(), Buffer.from(needle, 'utf8').toString('hex')];

/** The needles found in a full `pg_dump` of the database (data, schema, large objects), in any of its forms. */
export async function foundInDump(databaseUrl: string, needles: string[]): Promise<string[]> {
  const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', databaseUrl], { maxBuffer: 1 << 30 });
  const dump = stdout.toLowerCase();
  return needles.filter((n) => forms(n).some((f) => dump.includes(f)));
}

function payloadsOf(node: unknown, out: Payload[]): Payload[] {
  if (!node || typeof node !== 'object') return out;
  if (node instanceof Uint8Array) return out;
  const o = node as Record<string, unknown>;
  if (o.data instanceof Uint8Array && o.metadata && typeof o.metadata === 'object') out.push(o as unknown as Payload);
  for (const v of Object.values(o)) payloadsOf(v, out);
  return out;
}

/**
 * The needles found in the histories of every workflow on a task queue: in each payload as stored and as the
 * platform codec decodes it, and in every other field of every event (failure messages, headers, memos).
 */
export async function foundInHistories(
  client: Client,
  config: Config,
  needles: string[],
): Promise<{ needle: string; workflowId: string }[]> {
  const codec = new EncryptionCodec(payloadKey(masterKey(config)));
  const found: { needle: string; workflowId: string }[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${config.TEMPORAL_TASK_QUEUE}'` })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const texts: string[] = [JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v))];
    for (const p of payloadsOf(history, [])) {
      const [decoded] = await codec.decode([p]);
      texts.push(Buffer.from(decoded.data ?? new Uint8Array()).toString('utf8'));
    }
    const all = texts.join('\n').toLowerCase();
    for (const n of needles) if (all.includes(n.toLowerCase())) found.push({ needle: n, workflowId: wf.workflowId });
  }
  return found;
}

/**
 * Waits until the workflow's execution is gone; answers the error describe() gave. The server deletes an execution
 * in a background task: seconds after the request, or a minute and more on a loaded machine.
 */
export const executionGone = (client: Client, workflowId: string, timeoutMs = 110_000) =>
  eventually(
    () =>
      client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => undefined,
          (err: unknown) => err,
        ),
    timeoutMs,
    'the execution deleted',
  );
