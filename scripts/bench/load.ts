// A load generator in its own process, so that it takes no CPU from the server it measures.
// Reads a plan (JSON) from the file named on the command line; prints one JSON result line.
//   open: one request every 1000/rate ms, latency counted from when it was due (no coordinated omission);
//   closed: `concurrency` requests in flight until all are sent, for the highest rate the server holds.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export interface LoadPlan {
  mode: 'open' | 'closed';
  rate?: number;
  concurrency?: number;
  requests: { url: string; headers: Record<string, string>; body: string }[];
}

export interface LoadResult {
  latenciesMs: number[];
  statuses: Record<string, number>;
  elapsedMs: number;
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const fire = async (i: number, dueAt: number) => {
    const r = plan.requests[i];
    const status = await new Promise<string>((resolve) => {
      const req = request(r.url, { method: 'POST', headers: r.headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      });
      req.on('error', () => resolve('error'));
      req.end(r.body);
    });
    latenciesMs.push(performance.now() - dueAt);
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  const t0 = performance.now();
  if (plan.mode === 'open') {
    const interval = 1000 / plan.rate!;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < plan.requests.length; i++) {
      const dueAt = t0 + i * interval;
      const wait = dueAt - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(fire(i, dueAt));
    }
    await Promise.all(inFlight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: plan.concurrency! }, async () => {
        while (next < plan.requests.length) {
          const i = next++;
          await fire(i, performance.now());
        }
      }),
    );
  }
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return { latenciesMs, statuses, elapsedMs };
}

run(JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadPlan).then(
  (result) => console.log(JSON.stringify(result)),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
