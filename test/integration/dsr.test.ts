import { WorkflowNotFoundError } from '@temporalio/client';
import JSZip from 'jszip';
import { sql } from 'kysely';
import { greetingJourney } from '../fixtures/journeys';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';
import { startReceiver } from '../helpers/webhook-receiver';
import { standardSignature } from '../../platform/webhooks/sign';
import { isOptedOut } from '../../db/consent';
import { executionGone, foundInDump, foundInHistories } from '../helpers/evidence';

const SUBJECT = { address: '07911 123901', e164: '+447911123901', name: 'Zephyrine' };
const NEIGHBOUR = { address: '07911 123902', e164: '+447911123902', name: 'Quillon' };
const ELSEWHERE_NAME = 'Marwick';

describe('data-subject requests', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let other: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack({ OUTBOUND_ALLOW: ['127.0.0.1'] });
    receiver = await startReceiver();
    org = await seedOrg(stack.db, greetingJourney);
    other = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  const finished = (id: string) =>
    eventually(async () => {
      const r = await api.get(`/v1/data-subject-requests/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
    });

  const requestCount = async () =>
    Number(
      (
        await stack.db
          .selectFrom('data_subject_requests')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('when a request is malformed, then the answer names the field and nothing is recorded', async () => {
    const before = await requestCount();
    const cases: [unknown, number, string][] = [
      [{ type: 'forget', identity: { phone: SUBJECT.address } }, 400, 'type'],
      [{ type: 'access', identity: { phone: SUBJECT.address, contactId: org.channelId } }, 400, 'identity'],
      [{ type: 'access', identity: {} }, 400, 'identity'],
      [{ type: 'rectification', identity: { phone: SUBJECT.address } }, 400, 'fields'],
      [{ type: 'access', identity: { phone: SUBJECT.address }, purpose: 'marketing' }, 400, 'purpose'],
      [{ type: 'access', identity: { phone: 'not a phone' } }, 422, 'identity.phone'],
      [{ type: 'access', identity: { phone: SUBJECT.address }, callbackUrl: 'http://10.0.0.1/x' }, 422, 'callbackUrl'],
    ];
    for (const [body, status, field] of cases) {
      const res = await api.post('/v1/data-subject-requests', body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), status]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const unknown = await api.post('/v1/data-subject-requests', { type: 'access', identity: { contactId: org.channelId } });
    expect(unknown.status).toBe(404);
    expect(await requestCount()).toBe(before);
  });

  it('when a subject asks for access, then the bundle holds exactly their data, and every change is reported signed', async () => {
    const campaign = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [
        { address: SUBJECT.address, fields: { firstName: SUBJECT.name } },
        { address: NEIGHBOUR.address, fields: { firstName: NEIGHBOUR.name } },
      ],
    });
    expect(campaign.status).toBe(201);
    const elsewhere = await apiClient(stack.url, other.apiKey).post('/v1/campaigns', {
      journeyId: other.journeyId,
      channelId: other.channelId,
      contacts: [{ address: SUBJECT.address, fields: { firstName: ELSEWHERE_NAME } }],
    });
    expect(elsewhere.status).toBe(201);
    const phone = sandboxPhone(api, org.channelId, SUBJECT.address);
    await phone.receive(2);
    await sandboxPhone(api, org.channelId, NEIGHBOUR.address).receive(2);
    await sandboxPhone(apiClient(stack.url, other.apiKey), other.channelId, SUBJECT.address).receive(2);
    const said = await phone.say('yes please');
    expect(await phone.receive(1)).toEqual([`Great, ${SUBJECT.name}. An agent will be in touch.`]);
    expect((await api.post(`/v1/conversations/${said.conversationId}/notes`, { text: 'prefers mornings' })).status).toBeLessThan(300);

    const created = await api.post('/v1/data-subject-requests', {
      type: 'access',
      identity: { phone: SUBJECT.address },
      callbackUrl: `${receiver.base}/dsr`,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', type: 'access' });
    expect(Date.parse(created.body.expectedCompletionBy)).toBeGreaterThan(Date.now());
    const done = await finished(created.body.id);
    expect(done).toMatchObject({ status: 'completed', bundleAvailable: true });

    const res = await fetch(`${stack.url}/v1/data-subject-requests/${created.body.id}/bundle`, {
      headers: { authorization: `Bearer ${org.apiKey}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/zip');
    const zip = await JSZip.loadAsync(Buffer.from(await res.arrayBuffer()));
    expect(Object.keys(zip.files).sort()).toEqual(
      ['campaigns.csv', 'consents.csv', 'contacts.csv', 'conversations.csv', 'event-deliveries.csv', 'messages.csv', 'subject.json'].sort(),
    );
    const subject = JSON.parse(await zip.file('subject.json')!.async('string'));
    expect(subject.contacts.map((c: { address: string }) => c.address)).toEqual([SUBJECT.e164]);
    expect(subject.campaigns.map((c: { id: string }) => c.id)).toEqual([campaign.body.id]);
    expect(subject.conversations).toHaveLength(1);
    expect(subject.conversations[0].notes).toEqual(['prefers mornings']);
    expect(subject.conversations[0].outcome).toBe('Callback requested');
    expect(subject.conversations[0].transcript.map((m: { body: string }) => m.body)).toEqual([
      `Hi ${SUBJECT.name}, this is Parley.`,
      'Can we help with your account today? Reply YES or NO.',
      'yes please',
      `Great, ${SUBJECT.name}. An agent will be in touch.`,
    ]);
    expect(subject.eventDeliveries.map((e: { type: string }) => e.type)).toContain('outcomeSet');
    const everything = (await Promise.all(Object.values(zip.files).map((f) => f.async('string')))).join('\n');
    expect(await zip.file('messages.csv')!.async('string')).toContain(`Hi ${SUBJECT.name}, this is Parley.`);
    for (const absent of [NEIGHBOUR.name, NEIGHBOUR.e164, ELSEWHERE_NAME, elsewhere.body.id, other.orgId])
      expect(everything).not.toContain(absent);

    const calls = await eventually(async () => {
      const got = receiver.at('/dsr').filter((r) => JSON.parse(r.body).id === created.body.id);
      return got.length >= 2 ? got : undefined;
    });
    expect(calls.map((c) => JSON.parse(c.body).status)).toEqual(['in_progress', 'completed']);
    for (const c of calls) {
      const expected = standardSignature(
        created.body.callbackSecret,
        c.headers['webhook-id'],
        Number(c.headers['webhook-timestamp']),
        c.body,
      );
      expect(c.headers['webhook-signature']).toBe(expected);
    }

    const events = await stack.db
      .selectFrom('events')
      .select(['data'])
      .where('org_id', '=', org.orgId)
      .where('type', '=', 'dataSubjectRequestCompleted')
      .execute();
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({ requestId: created.body.id, type: 'access', status: 'completed' }),
    ]);
    const audit = await stack.db
      .selectFrom('audit_log')
      .select(['action', 'target', 'result'])
      .where('org_id', '=', org.orgId)
      .where('action', 'like', 'dsr.%')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'dsr.access.requested',
      'dsr.access.started',
      'dsr.bundle.built',
      'dsr.access.completed',
      'dsr.bundle.download',
    ]);
    const stored = await stack.db
      .selectFrom('data_subject_requests')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(stored.params).toBeNull();
    expect(JSON.stringify([stored, audit])).not.toContain('123901');
  });

  it('when a subject is erased, then no table holds their phone or name, their executions are gone, and a new campaign does not bring them back', async () => {
    const ERASED = { address: '07911 123903', digits: '7911123903', name: 'Ottoline' };
    const hook = await api.post('/v1/webhooks', {
      url: `${receiver.base}/hook`,
      events: ['conversationStarted', 'messageSend', 'inboundMessage', 'noteAdded'],
    });
    expect(hook.status).toBe(201);
    const campaign = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: ERASED.address, fields: { firstName: ERASED.name } }],
    });
    expect(campaign.status).toBe(201);
    const phone = sandboxPhone(api, org.channelId, ERASED.address);
    await phone.receive(2);
    const said = await phone.say(`maybe, ${ERASED.name} here`);
    expect(await phone.receive(1)).toEqual(['Please reply YES or NO.']);
    expect(
      (await api.post(`/v1/conversations/${said.conversationId}/notes`, { text: `${ERASED.name} prefers email` })).status,
    ).toBeLessThan(300);
    await eventually(async () => (receiver.at('/hook').some((r) => r.body.includes(`${ERASED.name} prefers email`)) ? true : undefined));
    const { workflow_id: workflowId } = await stack.db
      .selectFrom('conversations')
      .select('workflow_id')
      .where('id', '=', said.conversationId!)
      .executeTakeFirstOrThrow();

    // The scans below find the person before the erasure: what they miss after it is gone, not unlooked-for.
    const needles = [ERASED.digits, ERASED.name];
    const dbUrl = process.env.PARLEY_TEST_DATABASE_URL!;
    expect(await foundInDump(dbUrl, needles)).toEqual(needles);
    // Histories carry the name (in the journey's variables and texts); the phone stays in activities' own reads.
    expect((await foundInHistories(stack.client, stack.config, needles)).map((f) => f.needle)).toContain(ERASED.name);

    const created = await api.post('/v1/data-subject-requests', { type: 'erasure', identity: { phone: ERASED.address } });
    expect(created.status).toBe(201);
    expect(await finished(created.body.id)).toMatchObject({ status: 'completed' });

    const columns = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and data_type in ('text', 'jsonb', 'json', 'character varying', 'ARRAY')`.execute(stack.db);
    expect(columns.rows.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const c of columns.rows) {
      const found = await sql<{ n: string }>`
        select count(*) as n from ${sql.table(c.table_name)}
        where ${sql.ref(c.column_name)}::text ilike any (${[`%${ERASED.digits}%`, `%${ERASED.name}%`]})`.execute(stack.db);
      if (Number(found.rows[0].n) > 0) hits.push(`${c.table_name}.${c.column_name}`);
    }
    expect(hits).toEqual([]);
    expect(await executionGone(stack.client, workflowId)).toBeInstanceOf(WorkflowNotFoundError);
    // A full pg_dump (every table, bytea as hex) and every remaining history on the queue, decoded: neither holds them.
    expect(await foundInDump(dbUrl, needles)).toEqual([]);
    expect(await foundInHistories(stack.client, stack.config, needles)).toEqual([]);

    const again = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: ERASED.address, fields: { firstName: ERASED.name } }],
    });
    expect(again.status).toBe(201);
    expect(again.body.total).toBe(0);
    expect(await stack.db.selectFrom('contacts').select('id').where('address', '=', `+44${ERASED.digits}`).execute()).toEqual([]);
    expect(await phone.pending()).toEqual([]);
  }, 240_000);

  it('when a request has started, then it cannot be cancelled; while it is pending, it can, once', async () => {
    const listed = await api.get('/v1/data-subject-requests');
    const completed = listed.body.requests.find((r: { status: string }) => r.status === 'completed');
    expect((await api.post(`/v1/data-subject-requests/${completed.id}/cancel`)).status).toBe(409);

    // An API alone, with no worker on its task queue: the request stays pending.
    const idle = await startTestStack({}, { worker: false });
    try {
      const idleApi = apiClient(idle.url, org.apiKey);
      const created = await idleApi.post('/v1/data-subject-requests', { type: 'restriction', identity: { phone: SUBJECT.address } });
      expect(created.body.status).toBe('pending');
      const cancelled = await idleApi.post(`/v1/data-subject-requests/${created.body.id}/cancel`);
      expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
      expect((await idleApi.post(`/v1/data-subject-requests/${created.body.id}/cancel`)).status).toBe(409);
      expect((await idleApi.get(`/v1/data-subject-requests/${created.body.id}/bundle`)).status).toBe(404);
    } finally {
      await idle.stop();
    }
  });
  it('when a subject asks for rectification, restriction, its lifting and objection, then their contact and consent ledger say so', async () => {
    const contact = () =>
      stack.db
        .selectFrom('contacts')
        .select(['id', 'fields', 'restricted_at', 'channel_id'])
        .where('org_id', '=', org.orgId)
        .where('address', '=', NEIGHBOUR.e164)
        .executeTakeFirstOrThrow();
    const before = await contact();
    const run = async (body: Record<string, unknown>) => {
      const created = await api.post('/v1/data-subject-requests', body);
      expect(created.status).toBe(201);
      return finished(created.body.id);
    };

    const fixed = await run({ type: 'rectification', identity: { contactId: before.id }, fields: { firstName: 'Quill', town: 'Leeds' } });
    expect(fixed).toMatchObject({ status: 'completed', contactId: before.id });
    expect((await contact()).fields).toEqual({ firstName: 'Quill', town: 'Leeds' });
    expect((await run({ type: 'rectification', identity: { contactId: before.id }, fields: { town: '' } })).status).toBe('completed');
    expect((await contact()).fields).toEqual({ firstName: 'Quill' });

    expect((await run({ type: 'restriction', identity: { phone: NEIGHBOUR.address } })).status).toBe('completed');
    expect((await contact()).restricted_at).toBeInstanceOf(Date);
    expect((await run({ type: 'liftRestriction', identity: { phone: NEIGHBOUR.address } })).status).toBe('completed');
    expect((await contact()).restricted_at).toBeNull();

    expect((await run({ type: 'objection', identity: { phone: NEIGHBOUR.address }, channelKind: 'whatsapp' })).status).toBe('failed');
    const objected = await run({ type: 'objection', identity: { phone: NEIGHBOUR.address }, channelKind: 'sandbox', purpose: 'marketing' });
    expect(objected.status).toBe('completed');
    const ledger = await stack.db
      .selectFrom('consents')
      .select(['status', 'purpose', 'source'])
      .where('contact_id', '=', before.id)
      .execute();
    expect(ledger).toEqual([{ status: 'opted_out', purpose: 'marketing', source: 'api' }]);
    // An objection to marketing is not a STOP: service messages still may go.
    expect(await isOptedOut(stack.db, before.id, before.channel_id)).toBe(false);
    expect((await run({ type: 'objection', identity: { phone: NEIGHBOUR.address } })).status).toBe('completed');
    expect(await isOptedOut(stack.db, before.id, before.channel_id)).toBe(true);

    const unknown = await run({ type: 'restriction', identity: { customerRef: 'no-such-ref' } });
    expect(unknown).toMatchObject({ status: 'failed', error: 'no contact matches the identity' });
  });
});
