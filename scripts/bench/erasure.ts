// npm run bench:erasure -- --sweep-only [--conversations 1000] [--messages 100] [--batch 500] [--delete-all] [--json]
// The retention sweep half: seeds, with generate_series, ended conversations of long ago holding
// conversations x messages messages (100,000 by default) with their events, then times one sweep of the
// org, Temporal execution deletes included (the seeded conversations have none: each is a NotFound).
// Reports messages purged per second. The erasure of one subject is measured by the data-subject request half.
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { sql } from 'kysely';
import { deleteExecutions } from '../../platform/retention/executions';
import { sweepRetention } from '../../platform/retention/sweep';
import { seedEnded } from '../../test/helpers/retention-seed';
import { arg, runBench, seedBenchOrg } from './harness';

const TARGET = { messagesPerSecond: 20_000 };
const round = (n: number, places = 1) => Number(n.toFixed(places));
const DAY = 86_400_000;

if (!process.argv.includes('--sweep-only')) console.error('only the retention sweep is measured so far: run with --sweep-only');

runBench(async (bench) => {
  const conversations = arg('conversations', 1_000);
  const messages = arg('messages', 100);
  const batch = arg('batch', 500);
  const org = await seedBenchOrg(bench, { name: 'Unused', start: 'end', steps: [{ id: 'end', kind: 'end', outcome: 'Done' }] });
  await sql`update orgs set settings = settings || '{"retention": {"conversationsDays": 30}}'::jsonb where id = ${org.orgId}`.execute(
    bench.db,
  );
  const seedStart = Date.now();
  await seedEnded(bench.db, org, { conversations, messages, endedAt: new Date(Date.now() - 40 * DAY), tag: 'bench' });
  await sql`analyze`.execute(bench.db);
  const seedSeconds = (Date.now() - seedStart) / 1000;

  const namespace = await bench.client.workflowService.describeNamespace({ namespace: bench.client.options.namespace });
  const executionRetentionMs = optionalTsToMs(namespace.config?.workflowExecutionRetentionTtl);
  // The seeded conversations ended 40 days ago: past the namespace retention, Temporal removed their executions
  // itself and the sweep asks nothing. --delete-all asks for every one (a NotFound each), as within the retention.
  const deleteAll = process.argv.includes('--delete-all');
  const started = process.hrtime.bigint();
  let workflowDeletes = 0;
  let temporalNs = 0n;
  const result = await sweepRetention(bench.db, {
    orgId: org.orgId,
    now: new Date(),
    batch,
    executionRetentionMs: deleteAll ? undefined : executionRetentionMs,
    deleteWorkflows: async (ids) => {
      workflowDeletes += ids.length;
      const t = process.hrtime.bigint();
      await deleteExecutions(bench.client, ids);
      temporalNs += process.hrtime.bigint() - t;
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const temporalSeconds = Number(temporalNs) / 1e9;
  const left = await bench.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', org.orgId)
    .executeTakeFirstOrThrow();
  if (result.messages !== conversations * messages || Number(left.n) !== 0)
    throw new Error(`the sweep purged ${result.messages} messages of ${conversations * messages}, ${left.n} left`);

  const messagesPerSecond = round(result.messages / seconds);
  const rowsPerSecond = round((result.messages + result.conversations + result.events) / seconds);
  const pass = messagesPerSecond >= TARGET.messagesPerSecond;
  const figures = {
    messages: result.messages,
    conversations: result.conversations,
    events: result.events,
    workflowDeletes,
    namespaceRetentionDays: executionRetentionMs === undefined ? null : round(executionRetentionMs / DAY, 2),
    deleteAll,
    batch,
    seedSeconds: round(seedSeconds, 2),
    sweepSeconds: round(seconds, 3),
    temporalDeleteSeconds: round(temporalSeconds, 3),
    messagesPerSecond,
    rowsPerSecond,
    ratio: round(messagesPerSecond / TARGET.messagesPerSecond, 3),
    target: TARGET,
    pass,
  };
  const rows: [string, string | number][] = [
    ['messages / conversations / events purged', `${result.messages} / ${result.conversations} / ${result.events}`],
    ['namespace retention (days); conversations ended 40 days ago', String(figures.namespaceRetentionDays)],
    ['Temporal execution deletes asked', workflowDeletes],
    ['conversations per DELETE', batch],
    ['seed (s)', figures.seedSeconds],
    ['sweep (s)', figures.sweepSeconds],
    ['of which Temporal execution deletes (s)', figures.temporalDeleteSeconds],
    ['sweep rate (messages/s)', messagesPerSecond],
    ['sweep rate (all rows/s)', rowsPerSecond],
    ['target', `>= ${TARGET.messagesPerSecond} messages/s`],
    ['pass', String(pass)],
  ];
  return { rows, figures };
});
