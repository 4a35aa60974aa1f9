import pino from 'pino';
import { hashKey } from '../../config';
import { acceptInbound } from '../../db/inbound-queue';
import { storeMessage } from '../../db/messages';
import { MAX_ROUTING_ATTEMPTS, createInboundRelay } from '../../api/relay';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';

const WELCOME = 'Hi! I can help with opening hours, delivery, returns or payments. Or type AGENT to talk to a person.';
const MORE = 'Anything else I can help with?';
const ANSWERS = {
  hours: "We're open 9am to 6pm, Monday to Saturday.",
  delivery: 'Orders arrive in 2–4 working days. Track yours at https://shop.example.com/track',
  returns: 'You can return anything within 30 days at https://shop.example.com/returns.',
};

describe('the inbound relay, which routes acknowledged messages', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let faqJourneyId: string;

  const queued = (address: string) =>
    stack.db
      .selectFrom('inbound_queue')
      .select(['message_id', 'attempts'])
      .where('channel_id', '=', org.channelId)
      .where('address', '=', address)
      .execute();
  const accept = (address: string, text: string, id: string) =>
    acceptInbound(
      stack.db,
      { orgId: org.orgId, channelId: org.channelId, address },
      { text, providerMessageId: id },
      stack.config.TEMPORAL_TASK_QUEUE,
    );

  beforeAll(async () => {
    stack = await startTestStack({ INBOUND_RELAY_SWEEP_MS: 1000 });
    org = await seedOrg(stack.db);
    api = apiClient(stack.url, org.apiKey);
    faqJourneyId = (await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') })).body.id;
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faqJourneyId })).status).toBe(200);
  });
  afterAll(() => stack?.stop());

  it('when a message was queued but no relay heard of it (its notification lost), then the sweep routes it', async () => {
    const { message } = await storeMessage(stack.db, {
      orgId: org.orgId,
      channelId: org.channelId,
      direction: 'in',
      author: 'contact',
      body: 'opening hours?',
      providerMessageId: 'relay-crash-1',
    });
    await stack.db
      .insertInto('inbound_queue')
      .values({
        message_id: message.id,
        org_id: org.orgId,
        channel_id: org.channelId,
        address: '+447911123700',
        task_queue: stack.config.TEMPORAL_TASK_QUEUE,
      })
      .execute();
    const phone = sandboxPhone(api, org.channelId, '07911 123700');
    expect(await phone.receive(3)).toEqual([WELCOME, ANSWERS.hours, MORE]);
    expect(await queued('+447911123700')).toEqual([]);
  });

  it("when two API processes relay one sender's messages at once, then the conversation gets them in the order they were stored", async () => {
    const address = '+447911123701';
    const texts = ['opening hours?', 'delivery?', 'returns?'];
    for (const [i, text] of texts.entries()) await accept(address, text, `relay-order-${i}`);
    const other = createInboundRelay({
      db: stack.db,
      temporal: stack.client,
      config: stack.config,
      hashKey: hashKey(stack.config),
      log: pino({ level: 'silent' }),
    });
    const sender = { orgId: org.orgId, channelId: org.channelId, address };
    await Promise.all([stack.relay!.kick(sender), other.kick(sender), stack.relay!.kick(sender), other.kick(sender)]);
    await other.stop();
    const routed = await eventually(async () => {
      const rows = await stack.db
        .selectFrom('messages')
        .select(['provider_message_id', 'conversation_id', 'routed_at'])
        .where('channel_id', '=', org.channelId)
        .where('provider_message_id', 'in', ['relay-order-0', 'relay-order-1', 'relay-order-2'])
        .orderBy('seq')
        .execute();
      return rows.every((r) => r.routed_at) ? rows : undefined;
    });
    // Routed one after another, in the order stored, each signalled before the next was taken.
    const times = routed.map((r) => r.routed_at!.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(routed.map((r) => r.conversation_id)).size).toBe(1);
    // The first started the conversation and answered its question; the others came before the next prompt.
    const phone = sandboxPhone(api, org.channelId, '07911 123701');
    expect(await phone.receive(3)).toEqual([WELCOME, ANSWERS.hours, MORE]);
    expect(await queued(address)).toEqual([]);
  });

  it("when routing fails, then the message waits with the sender's later ones behind it, and all are routed in order once the cause is gone", async () => {
    // A journey that is not there: routing fails until the org names a real one.
    const current = (await stack.db.selectFrom('orgs').select('settings').where('id', '=', org.orgId).executeTakeFirstOrThrow()).settings;
    const settings = { ...current, inboundJourneyId: '00000000-0000-4000-8000-000000000000' };
    await stack.db
      .updateTable('orgs')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', org.orgId)
      .execute();
    const phone = sandboxPhone(api, org.channelId, '07911 123702');
    const first = await phone.say('opening hours?');
    const second = await phone.say('returns?');
    expect([first.conversationId, second.conversationId]).toEqual([null, null]);
    const waiting = await queued('+447911123702');
    expect(waiting.map((q) => q.message_id)).toEqual([first.messageId, second.messageId]);
    expect(waiting[0].attempts).toBeGreaterThan(0);
    expect(waiting[1].attempts).toBe(0);

    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faqJourneyId })).status).toBe(200);
    expect(await phone.receive(5)).toEqual([WELCOME, ANSWERS.hours, MORE, ANSWERS.returns, MORE]);
    await eventually(async () => ((await queued('+447911123702')).length === 0 ? true : undefined));
  });

  it("when a message has failed to route for hours, then it is kept unrouted with the reason, and the sender's next message is tried", async () => {
    const current = (await stack.db.selectFrom('orgs').select('settings').where('id', '=', org.orgId).executeTakeFirstOrThrow()).settings;
    await stack.db
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ ...current, inboundJourneyId: '00000000-0000-4000-8000-000000000001' }) })
      .where('id', '=', org.orgId)
      .execute();
    try {
      const phone = sandboxPhone(api, org.channelId, '07911 123704');
      const first = await phone.say('opening hours?');
      await stack.db
        .updateTable('inbound_queue')
        .set({ attempts: MAX_ROUTING_ATTEMPTS - 1 })
        .where('message_id', '=', first.messageId)
        .execute();
      const second = await phone.say('returns?');

      const given = await stack.db
        .selectFrom('messages')
        .select(['routed_at', 'conversation_id', 'error'])
        .where('id', '=', first.messageId)
        .executeTakeFirstOrThrow();
      expect(given.routed_at).not.toBeNull();
      expect(given.conversation_id).toBeNull();
      expect(given.error).toMatch(new RegExp(`^not routed after ${MAX_ROUTING_ATTEMPTS} tries: `));
      const waiting = await queued('+447911123704');
      expect(waiting.map((q) => q.message_id)).toEqual([second.messageId]);
      expect(waiting[0].attempts).toBeGreaterThan(0);
    } finally {
      await stack.db
        .updateTable('orgs')
        .set({ settings: JSON.stringify(current) })
        .where('id', '=', org.orgId)
        .execute();
    }
  });
});
