// npm run bench:campaign -- --contacts 10000 [--temporal ADDRESS] [--json]
// Conversations started and first messages sent per second for a sandbox
// campaign, against a baseline of minimal one-activity workflows run by the
// same worker on the same Temporal server.
import { sql } from 'kysely';
import { conversationWorkflowId } from '../../workflows/contracts';
import { arg, memoryPeak, runBench, seedBenchOrg, until } from './harness';
import { roundTripsToFirstWait } from './history';
import { BENCH_JOURNEY as JOURNEY } from './journey';

const TARGET_RATIO = 0.85;
// One outbound conversation up to its first wait (the one-activity baseline takes 2 and 11).
const TARGET_WORKFLOW_TASKS = 2;
const TARGET_HISTORY_EVENTS = 14;
const STARTS_IN_FLIGHT = 200;

runBench(async (bench) => {
  const n = arg('contacts', 10_000);
  const org = await seedBenchOrg(bench, JOURNEY);
  const contacts = Array.from({ length: n }, (_, i) => ({
    address: `+4479111${String(i).padStart(5, '0')}`,
    fields: { firstName: `P${i}` },
  }));

  // Ours.
  const mem = memoryPeak();
  const t0 = Date.now();
  const res = await fetch(`${bench.apiUrl}/v1/campaigns`, {
    method: 'POST',
    headers: org.headers,
    body: JSON.stringify({ journeyId: org.journeyId, channelId: org.channelId, contacts }),
  });
  if (res.status !== 201) throw new Error(`campaign POST answered ${res.status}: ${await res.text()}`);
  const campaignId = ((await res.json()) as { id: string }).id;
  const accepted = Date.now();
  const firstSent = () =>
    bench.db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .select([sql<number>`count(*)::int`.as('n'), sql<Date>`max(m.updated_at)`.as('last')])
      .where('c.campaign_id', '=', campaignId)
      .where('m.step', '=', 'hello')
      .where('m.provider_message_id', 'is not', null)
      .executeTakeFirstOrThrow();
  await until(async () => (await firstSent()).n >= n, 30 * 60_000, 'first messages');
  const sent = await firstSent();
  const started = await bench.db
    .selectFrom('conversations')
    .select([sql<number>`count(*)::int`.as('n'), sql<Date>`max(started_at)`.as('last')])
    .where('campaign_id', '=', campaignId)
    .where('started_at', 'is not', null)
    .executeTakeFirstOrThrow();
  const peakMiB = mem.stop();
  const member = await bench.db
    .selectFrom('conversations')
    .select('id')
    .where('campaign_id', '=', campaignId)
    .orderBy('campaign_seq')
    .limit(1)
    .executeTakeFirstOrThrow();
  const ours = roundTripsToFirstWait(await bench.client.workflow.getHandle(conversationWorkflowId(member.id)).fetchHistory());
  const startedPerSec = started.n / ((new Date(started.last).getTime() - t0) / 1000);
  const sentPerSec = sent.n / ((new Date(sent.last).getTime() - t0) / 1000);

  // Baseline.
  const b0 = Date.now();
  let next = 0;
  const prefix = `baseline-${b0}`;
  await Promise.all(
    Array.from({ length: STARTS_IN_FLIGHT }, async () => {
      while (next < n) {
        const i = next++;
        await bench.client.workflow.execute('baseline', { taskQueue: bench.config.TEMPORAL_TASK_QUEUE, workflowId: `${prefix}-${i}` });
      }
    }),
  );
  const baselinePerSec = n / ((Date.now() - b0) / 1000);
  const baseline = roundTripsToFirstWait(await bench.client.workflow.getHandle(`${prefix}-0`).fetchHistory());
  const ratio = Math.min(startedPerSec, sentPerSec) / baselinePerSec;

  const figures = {
    contacts: n,
    createMs: accepted - t0,
    conversationsStartedPerSec: Math.round(startedPerSec),
    firstMessagesPerSec: Math.round(sentPerSec),
    baselineWorkflowsPerSec: Math.round(baselinePerSec),
    workerPeakRssMiB: peakMiB,
    conversationWorkflowTasks: ours.workflowTasks,
    conversationHistoryEvents: ours.events,
    baselineWorkflowTasks: baseline.workflowTasks,
    baselineHistoryEvents: baseline.events,
    ratio: Number(ratio.toFixed(3)),
    target: TARGET_RATIO,
    targetWorkflowTasks: TARGET_WORKFLOW_TASKS,
    targetHistoryEvents: TARGET_HISTORY_EVENTS,
    pass: ratio >= TARGET_RATIO && ours.workflowTasks <= TARGET_WORKFLOW_TASKS && ours.events <= TARGET_HISTORY_EVENTS,
  };
  const rows: [string, string | number][] = [
    ['contacts', n],
    ['POST /v1/campaigns (ms)', figures.createMs],
    ['conversations started / s', figures.conversationsStartedPerSec],
    ['first messages sent / s', figures.firstMessagesPerSec],
    ['baseline workflows / s', figures.baselineWorkflowsPerSec],
    ['ratio (slower of ours / baseline)', figures.ratio],
    ['target', `ratio >= ${TARGET_RATIO}, <= ${TARGET_WORKFLOW_TASKS} workflow tasks and <= ${TARGET_HISTORY_EVENTS} events`],
    ['process peak RSS, campaign phase (MiB)', peakMiB],
    [
      'workflow tasks, one conversation to its first wait (baseline: whole run)',
      `${ours.workflowTasks} (baseline ${baseline.workflowTasks})`,
    ],
    ['history events, one conversation to its first wait (baseline: whole run)', `${ours.events} (baseline ${baseline.events})`],
    ['pass', String(figures.pass)],
  ];
  return { rows, figures };
});
