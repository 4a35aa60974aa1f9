import { CampaignIdKey } from '../../workflows/contracts';
import { greetingJourney } from '../fixtures/journeys';
import { exportHistory, recordHistory, storedPayloadTexts } from '../helpers/histories';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const ADMIN_TOKEN = 'admin-'.repeat(6);
const CONTACTS = [
  { address: '07911 123401', fields: { firstName: 'Aoife' } },
  { address: '+447911123402', fields: { firstName: 'Bram' } },
  { address: '07911123403', fields: { firstName: 'Chen' } },
];

describe('a sandbox campaign, end to end', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let campaignId: string;

  beforeAll(async () => {
    stack = await startTestStack({ PARLEY_ADMIN_TOKEN: ADMIN_TOKEN });
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const outbox = async () =>
    (await api.get(`/v1/sandbox/${org.channelId}/outbox?limit=1000`)).body.messages as { to: string; text: string }[];

  it('when a campaign of 3 contacts is posted, then it answers 201 and writes the campaign, contacts and conversations', async () => {
    const res = await api.post('/v1/campaigns', { name: 'Spring', journeyId: org.journeyId, channelId: org.channelId, contacts: CONTACTS });
    expect(res.status).toBe(201);
    campaignId = res.body.id;
    expect(res.headers.get('location')).toBe(`/v1/campaigns/${campaignId}`);
    expect(res.body.total).toBe(3);

    const conversations = await stack.db
      .selectFrom('conversations')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('campaign_seq')
      .execute();
    expect(conversations.map((c) => c.campaign_seq)).toEqual([1, 2, 3]);
    const contacts = await stack.db
      .selectFrom('contacts')
      .select(['address', 'fields'])
      .where('org_id', '=', org.orgId)
      .orderBy('address')
      .execute();
    expect(contacts).toEqual([
      { address: '+447911123401', fields: { firstName: 'Aoife' } },
      { address: '+447911123402', fields: { firstName: 'Bram' } },
      { address: '+447911123403', fields: { firstName: 'Chen' } },
    ]);
  });

  it('then each contact gets the first message rendered with their fields, then the question', async () => {
    const sent = await eventually(
      async () => {
        const m = await outbox();
        return m.length >= 6 ? m : undefined;
      },
      30_000,
      'six outbound messages',
    );
    for (const c of CONTACTS) {
      const to = `+44${c.address.replace(/\D/g, '').replace(/^(44|0)/, '')}`;
      const mine = sent.filter((m) => m.to === to).map((m) => m.text);
      expect(mine).toEqual([`Hi ${c.fields.firstName}, this is Parley.`, 'Can we help with your account today? Reply YES or NO.']);
    }
    const view = await eventually(
      async () => {
        const r = await api.get(`/v1/campaigns/${campaignId}`);
        return r.body.status === 'completed' ? r.body : undefined;
      },
      30_000,
      'campaign completed',
    );
    expect(view.counts).toEqual({ active: 3 });
  });

  it('when the customer replies YES, then the bot answers and the transcript shows the exchange in order with statuses', async () => {
    const res = await api.post(`/v1/sandbox/${org.channelId}/inbound`, { from: '07911 123401', text: 'yes please', id: 'sbx-reply-1' });
    expect(res.status).toBe(202);
    expect(res.body.duplicate).toBe(false);
    const conversationId = res.body.conversationId as string;
    expect(conversationId).toBeTruthy();

    const transcript = await eventually(
      async () => {
        const t = await api.get(`/v1/conversations/${conversationId}/transcript`);
        return t.body.status === 'ended' ? t.body : undefined;
      },
      30_000,
      'conversation ended',
    );
    expect(transcript.outcome).toBe('Callback requested');
    expect(transcript.messages.map((m: any) => [m.direction, m.author, m.text, m.status])).toEqual([
      ['out', 'bot', 'Hi Aoife, this is Parley.', 'delivered'],
      ['out', 'bot', 'Can we help with your account today? Reply YES or NO.', 'delivered'],
      ['in', 'contact', 'yes please', 'received'],
      ['out', 'bot', 'Great, Aoife. An agent will be in touch.', 'delivered'],
    ]);

    const csv = await api.get(`/v1/conversations/${conversationId}/transcript?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(String(csv.body).trim().split('\r\n')).toHaveLength(5);

    const row = await stack.db
      .selectFrom('conversations')
      .select(['status', 'outcome'])
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'ended', outcome: 'Callback requested' });
    const stored = storedPayloadTexts(exportHistory(`conversation:${conversationId}`));
    expect(stored.length).toBeGreaterThan(5);
    for (const secret of ['Aoife', '7911123401', 'yes please', 'An agent will be in touch']) {
      expect(stored.filter((t) => t.includes(secret))).toEqual([]);
    }
    await recordHistory(`conversation:${conversationId}`, 'greeting-yes-v2');

    const payloads: unknown[] = [];
    JSON.stringify(JSON.parse(exportHistory(`conversation:${conversationId}`)), (key, value) => {
      if (key === 'payloads' && Array.isArray(value)) payloads.push(...value);
      return value;
    });
    const decoded = await apiClient(stack.url, ADMIN_TOKEN).post('/codec/decode', { payloads });
    expect(decoded.status).toBe(200);
    const plain = (decoded.body.payloads as { data: string }[]).map((p) => Buffer.from(p.data, 'base64').toString());
    expect(plain.some((t) => t.includes('Aoife'))).toBe(true);
    await recordHistory(`campaign:${campaignId}`, 'campaign-polling');
  });

  it('when the provider replays the same inbound message id, then nothing changes twice', async () => {
    const before = await stack.db
      .selectFrom('messages')
      .select(stack.db.fn.countAll<string>().as('n'))
      .where('org_id', '=', org.orgId)
      .executeTakeFirstOrThrow();
    const res = await api.post(`/v1/sandbox/${org.channelId}/inbound`, { from: '07911 123401', text: 'yes please', id: 'sbx-reply-1' });
    expect(res.status).toBe(200);
    expect(res.body.duplicate).toBe(true);
    const after = await stack.db
      .selectFrom('messages')
      .select(stack.db.fn.countAll<string>().as('n'))
      .where('org_id', '=', org.orgId)
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('then the admin finds the conversations by CampaignId, can query their state, and no personal data is in ids or search attributes', async () => {
    const found: { workflowId: string; searchAttributes: unknown; memo: unknown }[] = [];
    await eventually(
      async () => {
        found.length = 0;
        for await (const wf of stack.client.workflow.list({ query: `CampaignId = '${campaignId}' AND WorkflowType = 'conversation'` })) {
          found.push({ workflowId: wf.workflowId, searchAttributes: wf.typedSearchAttributes, memo: wf.memo });
        }
        return found.length === 3 ? found : undefined;
      },
      20_000,
      'visibility of 3 conversations',
    );
    const dump = JSON.stringify(found);
    for (const c of CONTACTS) {
      expect(dump).not.toContain(c.fields.firstName);
      expect(dump).not.toContain(c.address.replace(/\D/g, '').slice(-6));
    }
    expect(found.every((f) => /^conversation:[0-9a-f-]{36}$/.test(f.workflowId))).toBe(true);
    const stillRunning = found.map((f) => f.workflowId).filter((id) => id !== undefined);
    const state = await stack.client.workflow.getHandle(stillRunning[0]).query('state');
    expect(state).toEqual(expect.objectContaining({ stepId: expect.any(String), phase: expect.any(String) }));
    const sa = await stack.client.workflow.getHandle(`campaign:${campaignId}`).describe();
    expect(sa.typedSearchAttributes.get(CampaignIdKey)).toBe(campaignId);
  });
});
