import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { ChannelSender, OutboundMessage } from '../../../channels';
import { createConversationActivities } from '../../../activities/conversation';
import {
  ConfigurationError,
  ContactStoppedError,
  PermanentSendError,
  RetryableSendError,
  ThrottledError,
} from '../../../activities/errors';
import { recordConsent } from '../../../db/consent';
import { upsertContacts } from '../../../db/contacts';
import * as conversations from '../../../db/conversations';
import { type Db, createDb } from '../../../db/database';
import { greetingJourney } from '../../fixtures/journeys';
import { seedOrg } from '../../helpers/stack';

// Every state write must reach the one function: spy on it while it still does its work.
jest.mock('../../../db/conversations', () => {
  const actual = jest.requireActual('../../../db/conversations');
  return { ...actual, changeConversation: jest.fn(actual.changeConversation) };
});
const changeConversation = jest.mocked(conversations.changeConversation);

describe('conversation activities against the database, with a fake channel', () => {
  let db: Db;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  // Failures are expected here; the default logger would print each one.
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
  const sent: OutboundMessage[] = [];
  let refuse: string | undefined;
  let fail: Error | undefined;
  const channel: ChannelSender = {
    kind: 'sandbox',
    async send(msg) {
      if (refuse) throw new PermanentSendError(refuse);
      if (fail) throw fail;
      sent.push(msg);
      return { providerMessageId: `fake_${randomUUID()}`, status: 'sent' };
    },
  };
  let acts: ReturnType<typeof createConversationActivities>;
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run<A, R, typeof fn>(fn, ...args);

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    org = await seedOrg(db, greetingJourney);
    acts = createConversationActivities({ db, channels: () => channel });
  });
  afterAll(() => db?.destroy());
  beforeEach(() => {
    sent.length = 0;
    refuse = undefined;
    fail = undefined;
    changeConversation.mockClear();
  });

  /** A pending conversation with a new contact. */
  async function newConversation(): Promise<string> {
    const address = `+4479111${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    const [contactId] = await upsertContacts(db, org.orgId, org.channelId, [{ address, fields: { firstName: 'Dara' } }], 10);
    const id = randomUUID();
    await conversations.createConversation(db, {
      id,
      orgId: org.orgId,
      contactId,
      channelId: org.channelId,
      journeyId: org.journeyId,
      journeyVersion: 1,
      workflowId: `test:${id}`,
    });
    return id;
  }
  const row = (id: string) => conversations.conversationById(db, id).then((r) => r!);
  const messages = (id: string) => db.selectFrom('messages').selectAll().where('conversation_id', '=', id).execute();
  const send = (conversationId: string) => ({ conversationId, stepId: 'hello', attempt: 1, text: 'Hi Dara', author: 'bot' as const });
  const optOut = async (id: string) => {
    const { contact_id: contactId } = await row(id);
    await recordConsent(db, { orgId: org.orgId, channelId: org.channelId, contactId, status: 'opted_out', source: 'api' });
  };

  describe('sendMessage', () => {
    it('when the same step and attempt is sent twice, then the provider is called once and one message is stored', async () => {
      const id = await newConversation();
      const first = await run(acts.sendMessage, send(id));
      const again = await run(acts.sendMessage, send(id));
      expect(again).toEqual(first);
      expect(sent.map((m) => m.idempotencyKey)).toEqual([`${id}:hello:1`]);
      const stored = await messages(id);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        status: 'sent',
        provider_message_id: 'providerMessageId' in first ? first.providerMessageId : undefined,
        direction: 'out',
        step: 'hello',
      });
    });

    /** The failure Temporal sees: its type, whether it may be retried, and after what delay. */
    const failure = async (id: string) => {
      const err = await run(acts.sendMessage, send(id)).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(err instanceof ApplicationFailure)) return err;
      return { type: err.type, message: err.message, nonRetryable: err.nonRetryable, nextRetryDelay: err.nextRetryDelay };
    };
    const consents = (id: string) =>
      row(id).then((c) =>
        db.selectFrom('consents').select(['status', 'source', 'message_id']).where('contact_id', '=', c.contact_id).execute(),
      );

    it('when the person has opted out, then it fails for good with ContactStoppedError and sends and stores nothing', async () => {
      const id = await newConversation();
      await optOut(id);
      expect(await failure(id)).toMatchObject({ type: ContactStoppedError.name, nonRetryable: true });
      expect(sent).toEqual([]);
      expect(await messages(id)).toEqual([]);
    });

    it('when the provider refuses for good, then it fails without retry and the message is failed with the reason', async () => {
      const id = await newConversation();
      refuse = 'not a mobile number';
      expect(await failure(id)).toEqual({
        type: PermanentSendError.name,
        message: 'not a mobile number',
        nonRetryable: true,
        nextRetryDelay: undefined,
      });
      const [message] = await messages(id);
      expect(message).toMatchObject({ status: 'failed', error: 'not a mobile number', provider_message_id: null });
      expect(message.status_at).toBeInstanceOf(Date);
    });

    it('when the channel is misconfigured, then it fails without retry and the message is failed with the reason', async () => {
      const id = await newConversation();
      fail = new ConfigurationError('the access token was revoked');
      expect(await failure(id)).toMatchObject({ type: ConfigurationError.name, nonRetryable: true });
      expect(await messages(id)).toMatchObject([{ status: 'failed', error: 'the access token was revoked' }]);
    });

    it("when the provider throttles, then it is retried after the provider's delay and the message stays pending", async () => {
      const id = await newConversation();
      fail = new ThrottledError('429 Too Many Requests', 2_500);
      expect(await failure(id)).toEqual({
        type: ThrottledError.name,
        message: '429 Too Many Requests',
        nonRetryable: false,
        nextRetryDelay: 2_500,
      });
      expect(await messages(id)).toMatchObject([{ status: 'pending', error: null, provider_message_id: null }]);
      fail = undefined;
      const sentAfter = await run(acts.sendMessage, send(id));
      expect(await messages(id)).toMatchObject([
        { status: 'sent', provider_message_id: 'providerMessageId' in sentAfter ? sentAfter.providerMessageId : undefined },
      ]);
    });

    it('when the provider fails for a moment, then it is retried after a short delay and the message stays pending', async () => {
      const id = await newConversation();
      fail = new RetryableSendError('503 Service Unavailable');
      expect(await failure(id)).toMatchObject({
        type: RetryableSendError.name,
        nonRetryable: false,
        nextRetryDelay: 1000,
        message: fail.message,
      });
      expect(await messages(id)).toMatchObject([{ status: 'pending', error: null }]);
    });

    it('when the provider says the person stopped, then the opt-out is recorded from the provider and nothing is retried', async () => {
      const id = await newConversation();
      fail = new ContactStoppedError('21610: the person replied STOP');
      expect(await failure(id)).toMatchObject({ type: ContactStoppedError.name, nonRetryable: true });
      const [message] = await messages(id);
      expect(message).toMatchObject({ status: 'failed', error: '21610: the person replied STOP' });
      expect(await consents(id)).toEqual([{ status: 'opted_out', source: 'provider', message_id: message.id }]);
      fail = undefined;
      expect(await failure(id)).toMatchObject({ type: ContactStoppedError.name, nonRetryable: true });
      expect(sent).toEqual([]);
      expect(await consents(id)).toHaveLength(1);
    });
  });

  describe('updateConversation and finishConversation', () => {
    it('when a live conversation is updated, then status, step, outcome and note change through changeConversation', async () => {
      const id = await newConversation();
      await run(acts.updateConversation, {
        conversationId: id,
        status: 'active' as const,
        step: 'question',
        outcome: 'Completed',
        note: 'first',
      });
      await run(acts.updateConversation, { conversationId: id, note: 'second' });
      expect(await row(id)).toMatchObject({ status: 'active', step: 'question', outcome: 'Completed', notes: ['first', 'second'] });
      expect(changeConversation.mock.calls.map((c) => c[1])).toEqual([{ id }, { id }]);
    });

    it('when a conversation finishes, then it is ended with its outcome through changeConversation', async () => {
      const id = await newConversation();
      await run(acts.finishConversation, { conversationId: id, outcome: 'Completed', reason: 'journey' });
      const ended = await row(id);
      expect(ended).toMatchObject({ status: 'ended', outcome: 'Completed' });
      expect(ended.ended_at).toBeInstanceOf(Date);
      expect(changeConversation).toHaveBeenCalledTimes(1);
    });

    it('when a conversation has ended, then neither an update nor a second finish changes it', async () => {
      const id = await newConversation();
      await run(acts.finishConversation, { conversationId: id, outcome: 'Completed', reason: 'journey' });
      const ended = await row(id);
      await run(acts.updateConversation, {
        conversationId: id,
        status: 'active' as const,
        step: 'question',
        outcome: 'Paid',
        note: 'late',
      });
      await run(acts.finishConversation, { conversationId: id, outcome: 'Paid', reason: 'agent' });
      expect(await row(id)).toEqual(ended);
    });
  });

  describe('loadConversation', () => {
    it('when a pending contact has opted out, then the conversation is skipped with outcome "Opted out"', async () => {
      const id = await newConversation();
      await optOut(id);
      const ctx = await run(acts.loadConversation, { conversationId: id });
      expect(ctx.skip).toBe('skipped');
      expect(await row(id)).toMatchObject({ status: 'skipped', outcome: 'Opted out', started_at: null });
      expect(changeConversation).toHaveBeenCalledTimes(1);
    });

    it('when a pending contact has not opted out, then the conversation starts with its journey and contact fields', async () => {
      const id = await newConversation();
      const ctx = await run(acts.loadConversation, { conversationId: id });
      expect(ctx).toMatchObject({
        skip: undefined,
        orgId: org.orgId,
        journeyId: org.journeyId,
        journeyVersion: 1,
        contact: { firstName: 'Dara' },
      });
      expect(ctx.journey.start).toBe('hello');
      const started = await row(id);
      expect(started.status).toBe('active');
      expect(started.started_at).toBeInstanceOf(Date);
    });
  });
});
