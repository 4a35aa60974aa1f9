// npm run bench:inbound -- [--rate 200] [--seconds 5] [--concurrency 32] [--workers N] [--json]
// Fires signed WhatsApp inbound webhooks at the API, half first messages from new senders (which
// start conversations) and half replies into waiting ones, then the same requests at a bare Express
// endpoint that only answers 200. Reports acknowledgement latency at a fixed rate, and the highest
// rate each holds with `concurrency` requests in flight.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { sql } from 'kysely';
import { hmacSha256Header } from '../../channels/signature';
import { startFakeWhatsApp } from '../../test/fakes/whatsapp';
import { arg, runBench, seedBenchOrg, until } from './harness';
import type { LoadPlan, LoadResult } from './load';

const JOURNEY = {
  name: 'Inbound bench',
  start: 'topic',
  steps: [
    { id: 'topic', kind: 'ask', text: 'Hi! What can we help with?', timeout: '1h', fallback: 'more' },
    { id: 'more', kind: 'ask', text: 'Thanks. Anything else?', timeout: '1h', fallback: 'bye' },
    { id: 'bye', kind: 'message', text: 'Goodbye.', next: 'end' },
    { id: 'end', kind: 'end', outcome: 'Completed' },
  ],
};
const TARGET = { ackP99Ms: 50, throughputRatio: 0.25 };
const SECRETS = { accessToken: 'bench-token', appSecret: 'bench-app-secret', verifyToken: 'bench-verify' };
const PHONE_NUMBER_ID = '106540352200001';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (n: number, places = 1) => Number(n.toFixed(places));

runBench(async (bench) => {
  const rate = arg('rate', 200);
  const seconds = arg('seconds', 5);
  const concurrency = arg('concurrency', 32);
  const perPhase = rate * seconds;
  const half = perPhase / 2;

  const fake = await startFakeWhatsApp({ ...SECRETS, phoneNumberId: PHONE_NUMBER_ID });
  const org = await seedBenchOrg(bench, JOURNEY);
  const call = async (method: string, url: string, body: unknown): Promise<{ id: string }> => {
    const res = await fetch(`${bench.apiUrl}${url}`, { method, headers: org.headers, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${url} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  await call('PATCH', '/v1/org', { inboundJourneyId: org.journeyId });
  const channel = await call('POST', '/v1/channels', {
    kind: 'whatsapp',
    name: 'Bench WhatsApp',
    config: { phoneNumberId: PHONE_NUMBER_ID, ...SECRETS, apiBaseUrl: fake.baseUrl, ratePerSecond: 1000 },
  });
  const hookUrl = `${bench.apiUrl}/hooks/${channel.id}`;

  let n = 0;
  // UK mobiles ending in 11, which none of the fake's fault-injecting suffixes match.
  const sender = () => `4479${String(100_000 + n++)}11`;
  const webhook = (url: string, from: string, text: string) => {
    const body = JSON.stringify(
      fake.envelope({
        contacts: [{ profile: { name: 'Bench' }, wa_id: from }],
        messages: [
          {
            from,
            id: `wamid.${randomBytes(12).toString('hex')}`,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'text',
            text: { body: text },
          },
        ],
      }),
    );
    return { url, body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': hmacSha256Header(SECRETS.appSecret, body) } };
  };
  const waitingCount = async () =>
    Number(
      (
        await bench.db
          .selectFrom('messages')
          .select(sql<string>`count(*)`.as('n'))
          .where('channel_id', '=', channel.id)
          .where('step', '=', 'more')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const load = async (plan: LoadPlan): Promise<LoadResult> => {
    const file = path.join(os.tmpdir(), `parley-bench-load-${process.pid}-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify(plan));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load.ts'), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`the load generator exited with ${code}`);
    return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
  };

  // The bare endpoint first, on a quiet machine: the best it can do.
  const bare = express();
  bare.post('/hooks/:id', express.raw({ type: () => true }), (_req, res) => void res.sendStatus(200));
  const server = await new Promise<Server>((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(s));
  });
  const bareUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/${channel.id}`;
  const fresh1 = Array.from({ length: half }, sender);
  const fresh2 = Array.from({ length: half }, sender);
  const waiting = Array.from({ length: half }, sender);
  const mix = (news: string[], replies: string[], url: string) =>
    news.flatMap((from, i) => [webhook(url, from, 'my order'), webhook(url, replies[i], 'no')]);
  const open2 = await load({ mode: 'open', rate, requests: mix(fresh1, waiting, bareUrl) });
  const closed2 = await load({ mode: 'closed', concurrency, requests: mix(fresh2, fresh1, bareUrl) });
  await new Promise((r) => server.close(r));

  // Conversations waiting for a reply, for the first phase's replies.
  await load({ mode: 'closed', concurrency: 8, requests: waiting.map((from) => webhook(hookUrl, from, 'my bill')) });
  await until(async () => (await waitingCount()) >= half, 10 * 60_000, 'the first conversations waiting');

  // Phase 1, at a fixed rate: half new senders, half replies. Phase 2, as fast as it goes: new senders, and replies from phase 1's.
  const open1 = await load({ mode: 'open', rate, requests: mix(fresh1, waiting, hookUrl) });
  await until(async () => (await waitingCount()) >= 2 * half, 10 * 60_000, "phase 1's conversations waiting");
  const routingLag = await bench.db
    .selectFrom('messages')
    .select(sql<number>`extract(epoch from routed_at - created_at) * 1000`.as('ms'))
    .where('channel_id', '=', channel.id)
    .where('direction', '=', 'in')
    .where('routed_at', 'is not', null)
    .execute();
  const closed1 = await load({ mode: 'closed', concurrency, requests: mix(fresh2, fresh1, hookUrl) });

  await fake.close();

  const summary = (open: LoadResult, closed: LoadResult) => {
    const lat = [...open.latenciesMs].sort((a, b) => a - b);
    return {
      heldRps: round(open.latenciesMs.length / (open.elapsedMs / 1000)),
      ackP50Ms: round(percentile(lat, 50)),
      ackP99Ms: round(percentile(lat, 99)),
      maxRps: round(closed.latenciesMs.length / (closed.elapsedMs / 1000)),
      statuses: { open: open.statuses, closed: closed.statuses },
    };
  };
  const ours = summary(open1, closed1);
  const baseline = summary(open2, closed2);
  const lag = routingLag.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const allOk = (s: typeof ours) =>
    Object.keys(s.statuses.open).every((k) => k === '200') && Object.keys(s.statuses.closed).every((k) => k === '200');
  const ratio = {
    throughput: round(ours.maxRps / baseline.maxRps, 3),
    ackP99: round(ours.ackP99Ms / TARGET.ackP99Ms, 3),
  };
  const pass = allOk(ours) && ours.ackP99Ms <= TARGET.ackP99Ms && ratio.throughput >= TARGET.throughputRatio;
  const figures = {
    rate,
    requestsPerPhase: perPhase,
    concurrency,
    parley: ours,
    bare: baseline,
    routingLagMs: { p50: round(percentile(lag, 50)), p99: round(percentile(lag, 99)) },
    ratio,
    target: TARGET,
    pass,
  };
  const rows: [string, string | number][] = [
    ['requests per phase (half new senders, half replies)', perPhase],
    [`offered rate (rps)`, rate],
    ['held rps, Parley / bare', `${ours.heldRps} / ${baseline.heldRps}`],
    ['ack p50 at that rate (ms), Parley / bare', `${ours.ackP50Ms} / ${baseline.ackP50Ms}`],
    ['ack p99 at that rate (ms), Parley / bare', `${ours.ackP99Ms} / ${baseline.ackP99Ms}`],
    [`max rps with ${concurrency} in flight, Parley / bare`, `${ours.maxRps} / ${baseline.maxRps}`],
    ['throughput ratio (Parley / bare)', ratio.throughput],
    ['stored -> routed by the relay, p50 / p99 (ms)', `${figures.routingLagMs.p50} / ${figures.routingLagMs.p99}`],
    ['answers (Parley)', JSON.stringify(ours.statuses)],
    ['target', `ack p99 <= ${TARGET.ackP99Ms} ms at ${rate} rps; throughput ratio >= ${TARGET.throughputRatio}`],
    ['pass', String(pass)],
  ];
  return { rows, figures };
});
