import { WorkflowNotFoundError } from '@temporalio/client';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { deleteExecutions } from '../../platform/retention/executions';
import { sweepRetention } from '../../platform/retention/sweep';
import { retentionScheduleId } from '../../workflows/contracts';
import { seedCampaign, seedEnded } from '../helpers/retention-seed';
import { executionGone } from '../helpers/evidence';
import { type TestStack, eventually, seedOrg, startTestStack } from '../helpers/stack';

const DAY = 86_400_000;
type Org = Awaited<ReturnType<typeof seedOrg>>;

describe('retention sweep', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.stop());

  const count = async (table: 'conversations' | 'messages' | 'contacts' | 'events', orgId: string) =>
    Number(
      (
        await stack.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('org_id', '=', orgId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const existing = async (table: 'conversations' | 'contacts', ids: string[]) =>
    (await stack.db.selectFrom(table).select('id').where('id', 'in', ids).execute()).map((r) => r.id).sort();
  const setRetention = (orgId: string, retention: object) =>
    sql`update orgs set settings = settings || jsonb_build_object('retention', ${JSON.stringify(retention)}::jsonb) where id = ${orgId}`.execute(
      stack.db,
    );

  /** A webhook endpoint with deliveries of events that occurred at the given times, in the given states. */
  async function seedDeliveries(org: Org, rows: { at: Date; status: 'delivered' | 'failed' | 'pending' }[]) {
    const endpoint = await stack.db
      .insertInto('webhook_endpoints')
      .values({
        org_id: org.orgId,
        url: 'http://127.0.0.1:9/hook',
        events: ['campaignStarted'],
        ordered: false,
        secret: '{}',
        scanned: '0',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const row of rows) {
      const event = await stack.db
        .insertInto('events')
        .values({ org_id: org.orgId, type: 'campaignStarted', sequence: 0, occurred_at: row.at, data: '{}' })
        .returning(['id', 'position'])
        .executeTakeFirstOrThrow();
      await stack.db
        .insertInto('webhook_deliveries')
        .values({ endpoint_id: endpoint.id, event_id: event.id, position: event.position, sequence: 0, conversation_id: null })
        .execute();
      await sql`update webhook_deliveries set status = ${row.status} where event_id = ${event.id}`.execute(stack.db);
      await stack.db
        .insertInto('webhook_attempts')
        .values({
          endpoint_id: endpoint.id,
          event_id: event.id,
          event_type: 'campaignStarted',
          attempt: 1,
          outcome: row.status === 'delivered' ? 'delivered' : 'failed',
          latency_ms: 1,
          response_status: 200,
          response_body: null,
          error: null,
          at: row.at,
        })
        .execute();
    }
    return endpoint.id;
  }

  it('when periods have passed at `now`, then old data goes in batches, legal holds and recent data stay, and a second run changes nothing', async () => {
    const now = new Date(Date.now() + 1000 * DAY);
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const org = await seedOrg(stack.db);
    const bystander = await seedOrg(stack.db);
    await setRetention(org.orgId, { conversationsDays: 30, inactiveContactsDays: 60, webhookDeliveriesDays: 7 });

    const old = await seedEnded(stack.db, org, { conversations: 7, messages: 5, endedAt: ago(40), tag: 'old' });
    const recent = await seedEnded(stack.db, org, { conversations: 2, messages: 5, endedAt: ago(10), tag: 'recent' });
    const heldContact = await seedEnded(stack.db, org, { conversations: 1, messages: 5, endedAt: ago(40), tag: 'held' });
    await stack.db.updateTable('contacts').set({ legal_hold: true }).where('id', 'in', heldContact.contactIds).execute();
    const campaignId = await seedCampaign(stack.db, org);
    await stack.db.updateTable('campaigns').set({ legal_hold: true }).where('id', '=', campaignId).execute();
    const heldCampaign = await seedEnded(stack.db, org, { conversations: 2, messages: 5, endedAt: ago(40), campaignId, tag: 'campaign' });
    const live = await seedEnded(stack.db, org, { conversations: 1, messages: 5, endedAt: ago(40), tag: 'live' });
    await stack.db.updateTable('conversations').set({ status: 'active', ended_at: null }).where('id', 'in', live.conversationIds).execute();
    const theirs = await seedEnded(stack.db, bystander, { conversations: 2, messages: 5, endedAt: ago(400), tag: 'bystander' });
    // Contacts with nothing left: long idle, idle but opted out, idle but held, recently changed.
    const idle = await seedEnded(stack.db, org, { conversations: 4, messages: 0, endedAt: ago(70), tag: 'idle' });
    await stack.db.deleteFrom('conversations').where('contact_id', 'in', idle.contactIds).execute();
    const [optedOut, heldIdle] = idle.contactIds.slice(2);
    await stack.db
      .insertInto('consents')
      .values({ org_id: org.orgId, channel_id: org.channelId, contact_id: optedOut, status: 'opted_out', source: 'keyword' })
      .execute();
    await stack.db.updateTable('contacts').set({ legal_hold: true }).where('id', '=', heldIdle).execute();
    const busy = await seedEnded(stack.db, org, { conversations: 1, messages: 0, endedAt: ago(20), tag: 'busy' });
    await stack.db.deleteFrom('conversations').where('contact_id', 'in', busy.contactIds).execute();
    // An unrouted inbound message of long ago.
    await sql`insert into messages (org_id, channel_id, direction, author, body, status, created_at)
      values (${org.orgId}, ${org.channelId}, 'in', 'contact', 'loose', 'received', ${ago(40)})`.execute(stack.db);
    const endpointId = await seedDeliveries(org, [
      { at: ago(8), status: 'delivered' },
      { at: ago(9), status: 'failed' },
      { at: ago(9), status: 'pending' },
      { at: ago(2), status: 'delivered' },
    ]);
    // A real execution behind one purged conversation; the others never had one (NotFound is fine).
    const [withRun] = await stack.db.selectFrom('conversations').select('workflow_id').where('id', '=', old.conversationIds[0]).execute();
    const run = await stack.client.workflow.start('retentionSweep', {
      workflowId: withRun.workflow_id,
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      args: [{ orgId: randomUUID() }],
    });
    await run.result();
    const batches: number[] = [];

    const first = await sweepRetention(stack.db, {
      orgId: org.orgId,
      now,
      batch: 3,
      deleteWorkflows: async (ids) => {
        batches.push(ids.length);
        await deleteExecutions(stack.client, ids);
      },
    });

    expect(first).toEqual({
      orgs: 1,
      conversations: 7,
      messages: 36,
      events: 7,
      contacts: 2,
      webhookDeliveries: 2,
      webhookAttempts: 3,
      dsrBundles: 0,
    });
    expect(batches).toEqual([3, 3, 1]);
    expect(await existing('conversations', old.conversationIds)).toEqual([]);
    const kept = [...recent.conversationIds, ...heldContact.conversationIds, ...heldCampaign.conversationIds, ...live.conversationIds];
    expect(await existing('conversations', kept)).toEqual([...kept].sort());
    expect(await count('messages', org.orgId)).toBe(kept.length * 5);
    expect(await count('events', org.orgId)).toBe(kept.length + 2 + 1 + 4);
    expect(await existing('contacts', idle.contactIds)).toEqual([optedOut, heldIdle].sort());
    expect(await existing('contacts', busy.contactIds)).toEqual(busy.contactIds);
    // The contacts of purged conversations changed 40 days ago: not yet idle for 60.
    expect(await existing('contacts', old.contactIds)).toEqual([...old.contactIds].sort());
    const deliveries = await stack.db.selectFrom('webhook_deliveries').select('status').where('endpoint_id', '=', endpointId).execute();
    expect(deliveries.map((d) => d.status).sort()).toEqual(['delivered', 'pending']);
    expect(await stack.db.selectFrom('webhook_attempts').select('id').where('endpoint_id', '=', endpointId).execute()).toHaveLength(1);
    const deleted = await executionGone(stack.client, withRun.workflow_id);
    expect(deleted).toBeInstanceOf(WorkflowNotFoundError);
    expect(await existing('conversations', theirs.conversationIds)).toEqual([...theirs.conversationIds].sort());
    expect(await count('messages', bystander.orgId)).toBe(10);

    const again = await sweepRetention(stack.db, { orgId: org.orgId, now, batch: 3 });
    expect(again).toEqual({
      orgs: 1,
      conversations: 0,
      messages: 0,
      events: 0,
      contacts: 0,
      webhookDeliveries: 0,
      webhookAttempts: 0,
      dsrBundles: 0,
    });

    // The hold lifted, the next sweep takes what it protected.
    await stack.db.updateTable('campaigns').set({ legal_hold: false }).where('id', '=', campaignId).execute();
    expect((await sweepRetention(stack.db, { orgId: org.orgId, now })).conversations).toBe(2);
  });

  it('when a conversation ended longer ago than the namespace retention, then its execution is not asked for, a recent one is', async () => {
    const org = await seedOrg(stack.db);
    await setRetention(org.orgId, { conversationsDays: 1 });
    const longAgo = await seedEnded(stack.db, org, {
      conversations: 2,
      messages: 1,
      endedAt: new Date(Date.now() - 40 * DAY),
      tag: 'long',
    });
    const lately = await seedEnded(stack.db, org, {
      conversations: 1,
      messages: 1,
      endedAt: new Date(Date.now() - 3_600_000),
      tag: 'lately',
    });
    const asked: string[] = [];
    const result = await sweepRetention(stack.db, {
      orgId: org.orgId,
      now: new Date(Date.now() + 2 * DAY),
      executionRetentionMs: DAY,
      deleteWorkflows: async (ids) => void asked.push(...ids),
    });
    expect(result.conversations).toBe(3);
    expect(asked).toEqual([`conversation-retention-${lately.contactIds[0]}`]);
    expect(await existing('conversations', [...longAgo.conversationIds, ...lately.conversationIds])).toEqual([]);
  });

  it('when a data-subject bundle is older than its period, then it is deleted and its request shows none; a recent one stays', async () => {
    const now = new Date(Date.now() + 1000 * DAY);
    const org = await seedOrg(stack.db);
    await setRetention(org.orgId, { dsrBundlesDays: 30 });
    const request = async (madeDaysAgo: number) => {
      const at = new Date(now.getTime() - madeDaysAgo * DAY);
      const id = randomUUID();
      await stack.db
        .insertInto('data_subject_requests')
        .values({
          id,
          org_id: org.orgId,
          type: 'access',
          identity_hash: `h-${id}`,
          status: 'completed',
          created_at: at,
          expected_completion_at: at,
        })
        .execute();
      const bundle = await stack.db
        .insertInto('dsr_bundles')
        .values({ org_id: org.orgId, request_id: id, bytes: Buffer.from('zip'), created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      await stack.db.updateTable('data_subject_requests').set({ bundle_id: bundle.id }).where('id', '=', id).execute();
      return id;
    };
    const [old, recent] = [await request(40), await request(2)];
    const result = await sweepRetention(stack.db, { orgId: org.orgId, now });
    expect(result.dsrBundles).toBe(1);
    const rows = await stack.db.selectFrom('data_subject_requests').select(['id', 'bundle_id']).where('org_id', '=', org.orgId).execute();
    expect(rows.find((r) => r.id === old)?.bundle_id).toBeNull();
    expect(rows.find((r) => r.id === recent)?.bundle_id).not.toBeNull();
    const left = await stack.db.selectFrom('dsr_bundles').select('request_id').where('org_id', '=', org.orgId).execute();
    expect(left.map((b) => b.request_id)).toEqual([recent]);
  });

  it('when the worker has started, then the daily schedule exists on its task queue, and a run of it purges what is due', async () => {
    const handle = stack.client.schedule.getHandle(retentionScheduleId(stack.config.TEMPORAL_TASK_QUEUE));
    const schedule = await eventually(async () => {
      const d = await handle.describe();
      return d.action.type === 'startWorkflow' && d.action.taskQueue === stack.config.TEMPORAL_TASK_QUEUE ? d : undefined;
    });
    expect(schedule.action).toMatchObject({ workflowType: 'retentionSweep' });
    expect(schedule.spec.calendars?.length).toBe(1);

    const org = await seedOrg(stack.db);
    await setRetention(org.orgId, { conversationsDays: 1 });
    const old = await seedEnded(stack.db, org, { conversations: 2, messages: 3, endedAt: new Date(Date.now() - 2 * DAY), tag: 'due' });
    await handle.trigger();
    await eventually(
      async () => ((await existing('conversations', old.conversationIds)).length === 0 ? true : undefined),
      60_000,
      'the purge',
    );
    expect(await count('messages', org.orgId)).toBe(0);
  });
});
