// npm run bench:fanout -- [--api URL] [--key KEY] [--channel ID] [--contacts 2000] [--target 13] [--json]
// The fan-out of a sandbox campaign on a running stack (npm start or
// start:cluster), over the public API only: first messages in the sandbox
// outbox per second. Without --key and --channel it reads .data/demo.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_JOURNEY as JOURNEY } from './journey';

const option = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const POLL_MS = 1000;
const TIMEOUT_MS = 30 * 60_000;

async function main() {
  const demo = () =>
    JSON.parse(readFileSync(path.join(process.cwd(), '.data', 'demo.json'), 'utf8')) as { apiKey: string; channelId: string };
  const api = option('api') ?? 'http://127.0.0.1:3000';
  const key = option('key') ?? demo().apiKey;
  const channelId = option('channel') ?? demo().channelId;
  const n = Number(option('contacts') ?? 2000);
  const target = Number(option('target') ?? 13);
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${api}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, any>>;
  };

  const journey = await call('POST', '/v1/journeys', { name: 'Fan-out bench', definition: JOURNEY });
  // Only messages after this point count; the outbox is the channel's, shared with earlier runs.
  let after = 0;
  for (;;) {
    const page = await call('GET', `/v1/sandbox/${channelId}/outbox?after=${after}&limit=1000`);
    if (page.messages.length === 0) break;
    after = page.messages.at(-1).seq;
  }
  const run = Date.now().toString(36);
  const contacts = Array.from({ length: n }, (_, i) => ({
    address: `+4479${String(i).padStart(8, '0')}`,
    fields: { firstName: `F${run}${i}` },
  }));
  const t0 = Date.now();
  const campaign = await call('POST', '/v1/campaigns', { journeyId: journey.id, channelId, contacts });
  const accepted = Date.now();
  // Rows commit out of sequence order, so each look reads the outbox again from where the run began.
  const firstSent = async () => {
    const times: number[] = [];
    for (let from = after; ;) {
      const page = await call('GET', `/v1/sandbox/${channelId}/outbox?after=${from}&limit=1000`);
      for (const m of page.messages) if (m.text.includes(`F${run}`)) times.push(new Date(m.createdAt).getTime());
      if (page.messages.length < 1000) return times;
      from = page.messages.at(-1).seq;
    }
  };
  const deadline = Date.now() + TIMEOUT_MS;
  let times = await firstSent();
  while (times.length < n) {
    if (Date.now() > deadline) throw new Error(`timed out with ${times.length} of ${n} first messages`);
    await new Promise((r) => setTimeout(r, POLL_MS));
    times = await firstSent();
  }
  const lastAt = Math.max(...times);
  const perSec = n / ((lastAt - t0) / 1000);
  const figures = {
    contacts: n,
    campaignId: campaign.id,
    createMs: accepted - t0,
    firstMessagesPerSec: Number(perSec.toFixed(1)),
    ratio: Number((perSec / target).toFixed(3)),
    target,
    pass: perSec >= target,
  };
  const rows: [string, string | number][] = [
    ['contacts', n],
    ['POST /v1/campaigns (ms)', figures.createMs],
    ['first messages sent / s', figures.firstMessagesPerSec],
    ['target (first messages / s)', `>= ${target}`],
    ['pass', String(figures.pass)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
