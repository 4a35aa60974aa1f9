// npm run bench:webhooks -- [--events 5000] [--rate 600] [--json]
// Records events at a steady rate (in transactions of a tenth of a second's worth) for one webhook
// endpoint and a local receiver that answers 204. Reports delivered events per second and the time
// from an event's commit to its arrival at the receiver.
import { recordEvent } from '../../db/events';
import { startReceiver } from '../../test/helpers/webhook-receiver';
import { arg, runBench, seedBenchOrg, until } from './harness';

const TARGET = { eventsPerSecond: 500, p99Ms: 2_000 };
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (n: number, places = 1) => Number(n.toFixed(places));

runBench(
  async (bench) => {
    const events = arg('events', 5_000);
    const rate = arg('rate', 600);
    const receiver = await startReceiver();
    const org = await seedBenchOrg(bench, { name: 'Unused', start: 'end', steps: [{ id: 'end', kind: 'end', outcome: 'Done' }] });
    const res = await fetch(`${bench.apiUrl}/v1/webhooks`, {
      method: 'POST',
      headers: org.headers,
      body: JSON.stringify({ url: `${receiver.base}/bench`, events: ['outcomeSet'] }),
    });
    if (res.status !== 201) throw new Error(`POST /v1/webhooks answered ${res.status}: ${await res.text()}`);

    const committed = new Map<string, number>();
    const perTick = Math.max(1, Math.round(rate / 10));
    const started = Date.now();
    // Ticks overlap: each is a transaction of its own, as concurrent changes in the app would be.
    const inFlight: Promise<void>[] = [];
    const tickOf = async (from: number, count: number) => {
      const ids: string[] = [];
      await bench.db.transaction().execute(async (trx) => {
        for (let i = 0; i < count; i++)
          ids.push((await recordEvent(trx, { orgId: org.orgId, type: 'outcomeSet', data: { n: from + i } })).id);
      });
      const at = Date.now();
      for (const id of ids) committed.set(id, at);
    };
    for (let sent = 0, tick = 0; sent < events; tick++) {
      const batch = Math.min(perTick, events - sent);
      inFlight.push(tickOf(sent, batch));
      sent += batch;
      const wait = started + (tick + 1) * 100 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    const offeredSeconds = (Date.now() - started) / 1000;
    await until(async () => new Set(receiver.received.map((r) => r.id)).size >= events, 300_000, 'every event to arrive');
    const firstArrival = new Map<string, number>();
    for (const r of receiver.received) if (!firstArrival.has(r.id)) firstArrival.set(r.id, r.at);
    const latencies = [...committed].map(([id, at]) => firstArrival.get(id)! - at).sort((a, b) => a - b);
    const lastArrival = Math.max(...firstArrival.values());
    const eventsPerSecond = round(events / ((lastArrival - started) / 1000));
    const p50Ms = percentile(latencies, 50);
    const p99Ms = percentile(latencies, 99);
    await receiver.close();
    const ratio = { throughput: round(eventsPerSecond / TARGET.eventsPerSecond, 3), p99: round(p99Ms / TARGET.p99Ms, 3) };
    const pass = eventsPerSecond >= TARGET.eventsPerSecond && p99Ms <= TARGET.p99Ms;
    const figures = {
      events,
      offeredRate: round(events / offeredSeconds),
      eventsPerSecond,
      latencyMs: { p50: p50Ms, p99: p99Ms, max: latencies[latencies.length - 1] },
      requests: receiver.received.length,
      ratio,
      target: TARGET,
      pass,
    };
    const rows: [string, string | number][] = [
      ['events', events],
      ['offered rate (events/s)', figures.offeredRate],
      ['delivered (events/s, first commit to last arrival)', eventsPerSecond],
      ['commit -> received p50 / p99 / max (ms)', `${p50Ms} / ${p99Ms} / ${figures.latencyMs.max}`],
      ['requests received (duplicates included)', receiver.received.length],
      ['target', `>= ${TARGET.eventsPerSecond} events/s and p99 <= ${TARGET.p99Ms} ms`],
      ['pass', String(pass)],
    ];
    return { rows, figures };
  },
  { OUTBOUND_ALLOW: ['127.0.0.1'] },
);
