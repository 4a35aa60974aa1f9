// Inbound routing when a conversation's run has closed under its row, and the
// activity that hands late replies on to the sender's next conversation.
import { sql } from 'kysely';
import { createConversationActivities } from '../../activities/conversation';
import { greetingJourney } from '../fixtures/journeys';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';
import { withBodies } from '../helpers/sealed';

const TOPICS = 'Hi! I can help with opening hours, delivery, returns or payments. Or type AGENT to talk to a person.';
const MORE = 'Anything else I can help with?';

describe('inbound messages to a conversation whose run has closed', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let faqJourneyId: string;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
    const faq = await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') });
    faqJourneyId = faq.body.id;
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faqJourneyId })).status).toBe(200);
  });
  afterAll(() => stack?.stop());

  const row = (id: string) => stack.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const statusBecomes = (id: string, status: string) =>
    eventually(async () => ((await row(id)).status === status ? true : undefined), 20_000, `conversation ${status}`);

  /** A whole FAQ conversation, asked and ended; returns its row. */
  async function endedConversation(address: string) {
    const phone = sandboxPhone(api, org.channelId, address);
    const first = await phone.say('opening hours?');
    expect(await phone.receive(3)).toEqual([TOPICS, "We're open 9am to 6pm, Monday to Saturday.", MORE]);
    await phone.say('no');
    expect(await phone.receive(1)).toEqual(['Thanks for getting in touch. Have a good day!']);
    await statusBecomes(first.conversationId!, 'ended');
    return { phone, ended: await row(first.conversationId!) };
  }

  it('when a pending row is left on a closed inbound workflow id, then the next message starts its run and is answered there', async () => {
    const { phone, ended } = await endedConversation('07911 123470');
    // What a reply racing the close used to leave behind: a pending row whose run never started.
    const orphan = await stack.db
      .insertInto('conversations')
      .values({
        org_id: ended.org_id,
        contact_id: ended.contact_id,
        channel_id: ended.channel_id,
        journey_id: ended.journey_id,
        journey_version: ended.journey_version,
        workflow_id: ended.workflow_id,
        status: 'pending',
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const res = await phone.say('card payment');
    expect(res.conversationId).toBe(orphan.id);
    const got = await phone.receive(3);
    expect([got[0], got[2]]).toEqual([TOPICS, MORE]);
    expect(got[1]).toMatch(/^We take cards/);
    await statusBecomes(orphan.id, 'active');
  });

  it('when an active row outlives its run, then it is ended and the message opens a new conversation that carries on', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123471');
    const first = await phone.say('opening hours?');
    expect(await phone.receive(3)).toHaveLength(3);
    const stale = await row(first.conversationId!);
    await stack.client.workflow.getHandle(stale.workflow_id).terminate('test: a run gone without ending its row');
    expect((await row(stale.id)).status).toBe('active');

    const res = await phone.say('returns?');
    expect(res.conversationId).not.toBe(stale.id);
    const got = await phone.receive(3);
    expect([got[0], got[2]]).toEqual([TOPICS, MORE]);
    expect((await row(stale.id)).status).toBe('ended');
    // The next message reaches the new conversation, not the stale row.
    const next = await phone.say('no');
    expect(next.conversationId).toBe(res.conversationId);
    expect(await phone.receive(1)).toEqual(['Thanks for getting in touch. Have a good day!']);
  });

  it('when a reply comes while the conversation is closing, then the next conversation answers it on the same workflow id', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123474');
    const first = await phone.say('opening hours?');
    expect(await phone.receive(3)).toHaveLength(3);
    // Hold the row (not its key, so the last send still goes), and the run's closing writes wait until the reply is in.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const holding = stack.db.transaction().execute(async (trx) => {
      await trx.selectFrom('conversations').select('id').where('id', '=', first.conversationId!).forNoKeyUpdate().execute();
      await released;
    });
    try {
      await phone.say('no');
      expect(await phone.receive(1)).toEqual(['Thanks for getting in touch. Have a good day!']);
      await eventually(
        async () =>
          (
            await sql<{
              n: number;
            }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%"conversations"%'`.execute(
              stack.db,
            )
          ).rows[0].n > 0 || undefined,
        20_000,
        'the run to wait on the conversation row',
      );
      const late = await phone.say('delivery please');
      expect(late.conversationId).toBe(first.conversationId);
    } finally {
      release();
      await holding;
    }
    const got = await phone.receive(3);
    expect([got[0], got[2]]).toEqual([TOPICS, MORE]);
    expect(got[1]).toMatch(/^Orders arrive/);
    await statusBecomes(first.conversationId!, 'ended');
    const rows = await stack.db
      .selectFrom('conversations')
      .select(['id', 'status', 'workflow_id'])
      .where('contact_id', '=', (await row(first.conversationId!)).contact_id)
      .orderBy('created_at')
      .execute();
    expect(rows.map((r) => r.status)).toEqual(['ended', 'active']);
    expect(rows[1].workflow_id).toBe(rows[0].workflow_id);
    const inbound = await stack.db.selectFrom('messages').select(['conversation_id', 'body']).where('direction', '=', 'in').execute();
    const moved = (await withBodies(stack.db, inbound)).filter((m) => m.body === 'delivery please');
    expect(moved.map((m) => m.conversation_id)).toEqual([rows[1].id]);
  });

  describe('routeLateReplies', () => {
    const acts = () =>
      createConversationActivities({
        db: stack.db,
        channels: () => {
          throw new Error('no sends here');
        },
      });
    const storeInbound = async (ended: { org_id: string; channel_id: string; id: string }) =>
      (
        await stack.db
          .insertInto('messages')
          .values({
            org_id: ended.org_id,
            channel_id: ended.channel_id,
            conversation_id: ended.id,
            direction: 'in',
            author: 'contact',
            body: 'late',
            status: 'received',
            provider_message_id: `late-${ended.id}-${Math.random()}`,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;

    it('when an inbound conversation ended, then its late replies move to one new pending conversation on the same workflow id', async () => {
      const { ended } = await endedConversation('07911 123472');
      const [m1, m2] = [await storeInbound(ended), await storeInbound(ended)];
      const first = await acts().routeLateReplies({ conversationId: ended.id, workflowId: ended.workflow_id, messageIds: [m1] });
      const again = await acts().routeLateReplies({ conversationId: ended.id, workflowId: ended.workflow_id, messageIds: [m2] });
      expect(first.successorId).toBeDefined();
      expect(again.successorId).toBe(first.successorId);
      const next = await row(first.successorId!);
      expect(next).toMatchObject({
        status: 'pending',
        workflow_id: ended.workflow_id,
        contact_id: ended.contact_id,
        journey_id: faqJourneyId,
      });
      const moved = await stack.db.selectFrom('messages').select('conversation_id').where('id', 'in', [m1, m2]).execute();
      expect(moved.map((m) => m.conversation_id)).toEqual([next.id, next.id]);
    });

    it('when the conversation was not inbound, then its late replies stay on it', async () => {
      const started = await api.post('/v1/conversations', {
        journeyId: org.journeyId,
        channelId: org.channelId,
        contact: { address: '07911 123473' },
      });
      const conversation = await row(started.body.id);
      const m = await storeInbound(conversation);
      expect(
        await acts().routeLateReplies({ conversationId: conversation.id, workflowId: conversation.workflow_id, messageIds: [m] }),
      ).toEqual({});
      const kept = await stack.db.selectFrom('messages').select('conversation_id').where('id', '=', m).executeTakeFirstOrThrow();
      expect(kept.conversation_id).toBe(conversation.id);
    });
  });
});
