import { type ChannelSender, createChannelRegistry } from '../../channels';
import { ContactStoppedError, PermanentSendError, ThrottledError } from '../../channels/errors';
import type { Db } from '../../db/database';
import type { SecretBox } from '../../platform/secrets';
import { greetingJourney } from '../fixtures/journeys';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const THROTTLE_MS = 3_000;

describe('send errors from a provider, through the real activity and workflow', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  const attempts: Record<string, number[]> = {};

  /** The real sandbox, but the recipient's last digits pick a fault, as a provider's error codes would. */
  const faultyChannels = (db: Db, secrets: SecretBox) => {
    const real = createChannelRegistry(db, {}, { secrets })('sandbox');
    const faulty: ChannelSender = {
      kind: 'sandbox',
      async send(msg) {
        (attempts[msg.to] ??= []).push(Date.now());
        if (msg.to.endsWith('001')) throw new PermanentSendError('131026: the number is not on WhatsApp');
        if (msg.to.endsWith('002')) throw new ContactStoppedError('21610: the person replied STOP');
        if (msg.to.endsWith('003') && attempts[msg.to].length === 1) throw new ThrottledError('429: slow down', THROTTLE_MS);
        return real.send(msg);
      },
    };
    return createChannelRegistry(db, { sandbox: faulty }, { secrets });
  };

  beforeAll(async () => {
    stack = await startTestStack({}, { channels: faultyChannels });
    org = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const start = async (address: string) => {
    const res = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const ended = (id: string) =>
    eventually(async () => {
      const { body } = await api.get(`/v1/conversations/${id}`);
      return body.status === 'ended' ? body : undefined;
    });

  it('when the provider refuses for good, then the conversation ends "Undeliverable" with the reason, and the message failed', async () => {
    const id = await start('+447911123001');
    const conversation = await ended(id);
    expect(conversation).toMatchObject({
      outcome: 'Undeliverable',
      notes: ['stopped: PermanentSendError: 131026: the number is not on WhatsApp'],
    });
    expect(conversation.outbound).toEqual([expect.objectContaining({ status: 'failed', error: '131026: the number is not on WhatsApp' })]);
    expect(attempts['+447911123001']).toHaveLength(1);
  });

  it('when the provider says the person stopped, then the conversation ends "Opted out" and the opt-out is recorded', async () => {
    const id = await start('+447911123002');
    expect(await ended(id)).toMatchObject({ outcome: 'Opted out' });
    const consents = await stack.db
      .selectFrom('consents')
      .innerJoin('contacts', 'contacts.id', 'consents.contact_id')
      .select(['consents.status', 'consents.source'])
      .where('contacts.address', '=', '+447911123002')
      .execute();
    expect(consents).toEqual([{ status: 'opted_out', source: 'provider' }]);
    expect(attempts['+447911123002']).toHaveLength(1);
  });

  it("when the provider throttles, then the send is retried after the provider's delay and the conversation goes on", async () => {
    const id = await start('+447911123003');
    await eventually(async () => ((attempts['+447911123003'] ?? []).length >= 3 ? true : undefined));
    const [first, second] = attempts['+447911123003'];
    expect(second - first).toBeGreaterThanOrEqual(THROTTLE_MS - 100);
    const { body } = await api.get(`/v1/conversations/${id}`);
    expect(body.status).toBe('active');
    expect(body.outbound.map((m: { status: string }) => m.status)).toEqual(['delivered', 'delivered']);
  });
});
