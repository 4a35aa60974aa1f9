import { type ChannelSender, createChannelRegistry } from '../../channels';
import type { Db } from '../../db/database';
import type { SecretBox } from '../../platform/secrets';
import { greetingJourney } from '../fixtures/journeys';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

describe('idempotent sends', () => {
  let stack: TestStack;
  const calls: string[] = [];

  /** The real sandbox provider, but the first send of each key "crashes" after the provider accepted it. */
  const crashingChannels = (db: Db, secrets: SecretBox) => {
    const real = createChannelRegistry(db, {}, { secrets })('sandbox');
    const crashing: ChannelSender = {
      kind: 'sandbox',
      async send(msg) {
        const result = await real.send(msg);
        calls.push(msg.idempotencyKey);
        if (calls.filter((k) => k === msg.idempotencyKey).length === 1)
          throw new Error('worker lost after the provider accepted the message');
        return result;
      },
    };
    return createChannelRegistry(db, { sandbox: crashing }, { secrets });
  };

  beforeAll(async () => {
    stack = await startTestStack({}, { channels: crashingChannels });
  });
  afterAll(() => stack?.stop());

  it('when the activity fails after the provider accepted a message, then the retry sends nothing twice', async () => {
    const org = await seedOrg(stack.db, greetingJourney);
    const api = apiClient(stack.url, org.apiKey);
    const res = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123455', fields: { firstName: 'Dara' } },
    });
    expect(res.status).toBe(201);
    const id = res.body.id as string;

    const messages = await eventually(
      async () => {
        const rows = await stack.db
          .selectFrom('messages')
          .select(['idempotency_key', 'provider_message_id', 'status'])
          .where('conversation_id', '=', id)
          .orderBy('seq')
          .execute();
        return rows.length === 2 && rows.every((r) => r.provider_message_id) ? rows : undefined;
      },
      30_000,
      'two sent messages',
    );
    expect(messages.map((m) => m.idempotency_key)).toEqual([`${id}:hello:1`, `${id}:question:1`]);

    const outbox = await stack.db
      .selectFrom('sandbox_outbox')
      .select(['body', 'provider_message_id'])
      .where('address', '=', '+447911123455')
      .orderBy('seq')
      .execute();
    expect(outbox.map((o) => o.body)).toEqual(['Hi Dara, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
    expect(outbox.map((o) => o.provider_message_id)).toEqual(messages.map((m) => m.provider_message_id));
    expect(calls.filter((k) => k.startsWith(id))).toEqual([`${id}:hello:1`, `${id}:hello:1`, `${id}:question:1`, `${id}:question:1`]);
  });
});
