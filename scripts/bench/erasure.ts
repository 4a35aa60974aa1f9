// npm run bench:erasure -- [--sweep-only] [--conversations 1000] [--messages 100] [--batch 500] [--delete-all] [--json]
// The erasure half (skipped with --sweep-only): one subject with 10 conversations and 500 messages, erased
// through POST /v1/data-subject-requests; reports the seconds from the request to `completed` (target <= 5 s).
// The retention sweep half: seeds, with generate_series, ended conversations of long ago holding
// conversations x messages messages (100,000 by default) with their events, then times one sweep of the
// org, Temporal execution deletes included (the seeded conversations have none: each is a NotFound).
// Reports messages purged per second.
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { sql } from 'kysely';
import { deleteExecutions } from '../../platform/retention/executions';
import { sweepRetention } from '../../platform/retention/sweep';
import { seedEnded } from '../../test/helpers/retention-seed';
import { type Bench, arg, runBench, seedBenchOrg, until } from './harness';

const TARGET = { messagesPerSecond: 20_000, erasureSeconds: 5 };
const SUBJECT = { phone: '+447911123499', conversations: 10, messages: 500 };
const round = (n: number, places = 1) => Number(n.toFixed(places));
const DAY = 86_400_000;

const sweepOnly = process.argv.includes('--sweep-only');

/** Seeds the subject (one contact, ended conversations, their messages), erases them by phone, and times it. */
async function erasure(bench: Bench, org: Awaited<ReturnType<typeof seedBenchOrg>>) {
  const per = SUBJECT.messages / SUBJECT.conversations;
  await sql`
    with subject as (
      insert into contacts (org_id, channel_id, address, fields)
      values (${org.orgId}, ${org.channelId}, ${SUBJECT.phone}, '{"firstName": "Erasmus"}'::jsonb) returning id
    ), made as (
      insert into conversations (org_id, contact_id, channel_id, journey_id, journey_version, workflow_id, status, started_at, ended_at)
      select ${org.orgId}, subject.id, ${org.channelId}, ${org.journeyId}, 1, 'conversation-erasure-' || g, 'ended', now(), now()
      from subject, generate_series(1, ${SUBJECT.conversations}) g
      returning id
    )
    insert into messages (org_id, conversation_id, channel_id, direction, author, body, status)
    select ${org.orgId}, made.id, ${org.channelId}, 'in', 'contact', 'Erasmus here, call me', 'received'
    from made, generate_series(1, ${per})`.execute(bench.db);
  const t0 = performance.now();
  const created = await fetch(`${bench.apiUrl}/v1/data-subject-requests`, {
    method: 'POST',
    headers: org.headers,
    body: JSON.stringify({ type: 'erasure', identity: { phone: SUBJECT.phone } }),
  });
  if (created.status !== 201) throw new Error(`POST /v1/data-subject-requests answered ${created.status}: ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  let status = 'pending';
  await until(
    async () => {
      const res = await fetch(`${bench.apiUrl}/v1/data-subject-requests/${id}`, { headers: org.headers });
      status = ((await res.json()) as { status: string }).status;
      if (status === 'failed') throw new Error('the erasure failed');
      return status === 'completed';
    },
    120_000,
    'the erasure to complete',
  );
  const seconds = (performance.now() - t0) / 1000;
  const left = await bench.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', org.orgId)
    .executeTakeFirstOrThrow();
  if (Number(left.n) !== 0) throw new Error(`${left.n} of the subject's messages are left after the erasure`);
  return { conversations: SUBJECT.conversations, messages: SUBJECT.messages, seconds: round(seconds, 2) };
}

runBench(async (bench) => {
  const conversations = arg('conversations', 1_000);
  const messages = arg('messages', 100);
  const batch = arg('batch', 500);
  const org = await seedBenchOrg(bench, { name: 'Unused', start: 'end', steps: [{ id: 'end', kind: 'end', outcome: 'Done' }] });
  const erased = sweepOnly ? undefined : await erasure(bench, org);
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
  const pass = messagesPerSecond >= TARGET.messagesPerSecond && (!erased || erased.seconds <= TARGET.erasureSeconds);
  const figures = {
    erasure: erased ?? null,
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
    ratio: {
      sweep: round(messagesPerSecond / TARGET.messagesPerSecond, 3),
      ...(erased ? { erasure: round(erased.seconds / TARGET.erasureSeconds, 3) } : {}),
    },
    target: TARGET,
    pass,
  };
  const rows: [string, string | number][] = [
    ...(erased
      ? ([[`erasure of one subject (${erased.conversations} conversations, ${erased.messages} messages), s`, erased.seconds]] as [
          string,
          number,
        ][])
      : []),
    ['messages / conversations / events purged', `${result.messages} / ${result.conversations} / ${result.events}`],
    ['namespace retention (days); conversations ended 40 days ago', String(figures.namespaceRetentionDays)],
    ['Temporal execution deletes asked', workflowDeletes],
    ['conversations per DELETE', batch],
    ['seed (s)', figures.seedSeconds],
    ['sweep (s)', figures.sweepSeconds],
    ['of which Temporal execution deletes (s)', figures.temporalDeleteSeconds],
    ['sweep rate (messages/s)', messagesPerSecond],
    ['sweep rate (all rows/s)', rowsPerSecond],
    ['target', `erasure <= ${TARGET.erasureSeconds} s; sweep >= ${TARGET.messagesPerSecond} messages/s`],
    ['pass', String(pass)],
  ];
  return { rows, figures };
});
