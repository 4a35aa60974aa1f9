// npm run bench:reply -- [--conversations 200] [--concurrency 1] [--workers N [--waiting-only]] [--temporal ADDRESS] [--json]
// With N conversations waiting on an ask, fires one inbound reply each over
// HTTP and measures from the webhook request to the bot's answer reaching the
// sandbox outbox.
import { arg, peakRssMiB, runBench, seedBenchOrg, until } from './harness';

const JOURNEY = {
  name: 'Reply bench',
  start: 'ask',
  steps: [
    {
      id: 'ask',
      kind: 'ask',
      text: 'Did you get our letter? Reply YES or NO.',
      timeout: '1h',
      branches: [{ match: { yesno: 'yes' }, next: 'thanks' }],
      fallback: 'thanks',
    },
    { id: 'thanks', kind: 'message', text: 'Thanks for letting us know.', next: 'end' },
    { id: 'end', kind: 'end', outcome: 'Completed' },
  ],
};
const TARGET = { p50Ms: 150, p99Ms: 1000 };

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

runBench(async (bench) => {
  const n = arg('conversations', 200);
  const concurrency = arg('concurrency', 1);
  const org = await seedBenchOrg(bench, JOURNEY);
  const headers = org.headers;
  const addresses = Array.from({ length: n }, (_, i) => `+4479112${String(i).padStart(5, '0')}`);
  const res = await fetch(`${bench.apiUrl}/v1/campaigns`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ journeyId: org.journeyId, channelId: org.channelId, contacts: addresses.map((address) => ({ address })) }),
  });
  if (res.status !== 201) throw new Error(`campaign POST answered ${res.status}`);
  const outboxCount = async (body: string) =>
    Number(
      (
        await bench.db
          .selectFrom('sandbox_outbox')
          .select(bench.db.fn.countAll<string>().as('n'))
          .where('channel_id', '=', org.channelId)
          .where('body', '=', body)
          .executeTakeFirstOrThrow()
      ).n,
    );
  await until(async () => (await outboxCount(JOURNEY.steps[0].text!)) >= n, 10 * 60_000, 'all conversations waiting');
  // With --workers, the worker processes' peak so far: all n conversations are waiting now.
  const rssWaiting = bench.workerPids.length ? Math.max(...bench.workerPids.map((pid) => peakRssMiB(pid))) : undefined;
  if (process.argv.includes('--waiting-only')) {
    const figures = {
      conversations: n,
      workerPeakRssMiBWaiting: rssWaiting,
      target: { workerPeakRssMiB: 600 },
      pass: (rssWaiting ?? Infinity) <= 600,
    };
    const rows: [string, string | number][] = [
      ['conversations waiting', n],
      ['worker peak RSS with all waiting (MiB)', rssWaiting ?? 'with --workers only'],
      ['target', '<= 600 MiB'],
      ['pass', String(figures.pass)],
    ];
    return { rows, figures };
  }
  await new Promise((r) => setTimeout(r, 1000));

  const sentAt = new Map<string, number>();
  const acks: number[] = [];
  const r0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const address = addresses[next++];
        sentAt.set(address, Date.now());
        const r = await fetch(`${bench.apiUrl}/v1/sandbox/${org.channelId}/inbound`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ from: address, text: 'yes' }),
        });
        if (r.status !== 202) throw new Error(`inbound answered ${r.status}`);
        acks.push(Date.now() - sentAt.get(address)!);
      }
    }),
  );
  await until(async () => (await outboxCount('Thanks for letting us know.')) >= n, 30 * 60_000, 'all answers');
  const answers = await bench.db
    .selectFrom('sandbox_outbox')
    .select(['address', 'created_at'])
    .where('channel_id', '=', org.channelId)
    .where('body', '=', 'Thanks for letting us know.')
    .execute();
  const latencies = answers.map((a) => new Date(a.created_at).getTime() - sentAt.get(a.address)!).sort((a, b) => a - b);
  const answeredIn = Math.max(...answers.map((a) => new Date(a.created_at).getTime())) - r0;
  acks.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const figures = {
    conversations: n,
    concurrency,
    p50Ms: p50,
    p90Ms: percentile(latencies, 90),
    p99Ms: p99,
    maxMs: latencies[latencies.length - 1],
    ackP50Ms: percentile(acks, 50),
    ackP99Ms: percentile(acks, 99),
    answersPerSec: Number((n / (answeredIn / 1000)).toFixed(1)),
    workerPeakRssMiBWaiting: rssWaiting,
    workerPeakRssMiB: bench.workerPids.length ? Math.max(...bench.workerPids.map((pid) => peakRssMiB(pid))) : undefined,
    ratio: { p50: Number((p50 / TARGET.p50Ms).toFixed(3)), p99: Number((p99 / TARGET.p99Ms).toFixed(3)) },
    target: TARGET,
    pass: p50 <= TARGET.p50Ms && p99 <= TARGET.p99Ms,
  };
  const rows: [string, string | number][] = [
    ['conversations waiting', n],
    ['replies in flight', concurrency],
    ['p50 webhook -> answer in outbox (ms)', p50],
    ['p90 (ms)', figures.p90Ms],
    ['p99 (ms)', p99],
    ['max (ms)', figures.maxMs],
    ['webhook acknowledged, p50 / p99 (ms)', `${figures.ackP50Ms} / ${figures.ackP99Ms}`],
    ['answers / s', figures.answersPerSec],
    [
      'worker peak RSS with all waiting / at the end (MiB)',
      rssWaiting === undefined ? 'with --workers only' : `${rssWaiting} / ${figures.workerPeakRssMiB}`,
    ],
    ['target', `p50 <= ${TARGET.p50Ms} ms, p99 <= ${TARGET.p99Ms} ms`],
    ['pass', String(figures.pass)],
  ];
  return { rows, figures };
});
