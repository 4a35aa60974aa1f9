import { randomUUID } from 'node:crypto';
import { hmacSha256Header } from '../../channels/signature';
import { upsertContacts } from '../../db/contacts';
import { createConversation } from '../../db/conversations';
import { markSent, storeMessage } from '../../db/messages';
import { greetingJourney } from '../fixtures/journeys';
import { channelSecret } from '../helpers/secrets';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';

type Status = { id: string; status: string; timestamp?: string; error?: string; errorCode?: string };

describe('message statuses from provider callbacks', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let secret: string;
  let conversationId: string;

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
    org = await seedOrg(stack.db, greetingJourney);
    secret = await channelSecret(stack.db, org.channelId);
    const [contactId] = await upsertContacts(stack.db, org.orgId, org.channelId, [{ address: '+447911123001', fields: {} }], 10);
    conversationId = randomUUID();
    await createConversation(stack.db, {
      id: conversationId,
      orgId: org.orgId,
      contactId,
      channelId: org.channelId,
      journeyId: org.journeyId,
      journeyVersion: 1,
      workflowId: `test:${conversationId}`,
    });
    await stack.db.updateTable('conversations').set({ status: 'ended' }).where('id', '=', conversationId).execute();
  });
  afterAll(() => stack?.stop());

  /** The sandbox's signed status webhook. */
  const callback = async (...statuses: Status[]) => {
    const body = JSON.stringify({ statuses });
    const res = await apiClient(stack.url).raw('POST', `/hooks/${org.channelId}`, body, {
      'content-type': 'application/json',
      'x-parley-signature': hmacSha256Header(secret, body),
    });
    expect(res.status).toBe(200);
    return res.body.statusesApplied as number;
  };
  /** An outbound message, stored and (unless `record` is false) recorded as sent with a new provider id. */
  const outbound = async (record = true) => {
    const { message } = await storeMessage(stack.db, {
      orgId: org.orgId,
      conversationId,
      channelId: org.channelId,
      direction: 'out',
      author: 'bot',
      body: 'Hello',
      step: 'hello',
      idempotencyKey: randomUUID(),
    });
    const providerMessageId = `sbx_${randomUUID()}`;
    const send = () => markSent(stack.db, message.id, { status: 'sent', providerMessageId });
    if (record) await send();
    return { id: message.id, providerMessageId, send };
  };
  const stored = (id: string) =>
    stack.db.selectFrom('messages').select(['status', 'status_at', 'error', 'error_code']).where('id', '=', id).executeTakeFirstOrThrow();
  const pending = (providerMessageId: string) =>
    stack.db.selectFrom('pending_statuses').select('status').where('provider_message_id', '=', providerMessageId).execute();
  const at = (minute: number) => `2026-11-23T05:${String(minute).padStart(2, '0')}:00Z`;

  it('when delivered then read arrive, then the message moves through them with the provider times', async () => {
    const m = await outbound();
    expect(await stored(m.id)).toMatchObject({ status: 'sent', error: null });
    expect(await callback({ id: m.providerMessageId, status: 'delivered', timestamp: at(1) })).toBe(1);
    expect(await stored(m.id)).toEqual({ status: 'delivered', status_at: new Date(at(1)), error: null, error_code: null });
    expect(await callback({ id: m.providerMessageId, status: 'read', timestamp: at(2) })).toBe(1);
    expect(await stored(m.id)).toMatchObject({ status: 'read', status_at: new Date(at(2)) });
  });

  it('when read arrives before delivered, or a status repeats, then the message ends read', async () => {
    const m = await outbound();
    expect(await callback({ id: m.providerMessageId, status: 'read', timestamp: at(4) })).toBe(1);
    expect(await callback({ id: m.providerMessageId, status: 'delivered', timestamp: at(3) })).toBe(0);
    expect(await callback({ id: m.providerMessageId, status: 'read', timestamp: at(5) })).toBe(0);
    expect(await stored(m.id)).toMatchObject({ status: 'read', status_at: new Date(at(4)) });
    expect(await pending(m.providerMessageId)).toEqual([]);
  });

  it('when a message fails, then it keeps the error and code, and nothing later moves it', async () => {
    const m = await outbound();
    const failed = { id: m.providerMessageId, status: 'failed', timestamp: at(6), error: 'unreachable', errorCode: '30003' };
    expect(await callback(failed)).toBe(1);
    expect(await callback({ id: m.providerMessageId, status: 'read', timestamp: at(7) })).toBe(0);
    expect(await stored(m.id)).toEqual({ status: 'failed', status_at: new Date(at(6)), error: 'unreachable', error_code: '30003' });
  });

  it('when statuses arrive before the send is recorded, then they are kept once and applied when it is', async () => {
    const m = await outbound(false);
    expect(await callback({ id: m.providerMessageId, status: 'read', timestamp: at(9) })).toBe(0);
    expect(await callback({ id: m.providerMessageId, status: 'delivered', timestamp: at(8) })).toBe(0);
    expect(await callback({ id: m.providerMessageId, status: 'delivered', timestamp: at(8) })).toBe(0);
    expect((await pending(m.providerMessageId)).map((p) => p.status).sort()).toEqual(['delivered', 'read']);
    expect(await stored(m.id)).toMatchObject({ status: 'pending' });
    await m.send();
    expect(await stored(m.id)).toMatchObject({ status: 'read', status_at: new Date(at(9)) });
    expect(await pending(m.providerMessageId)).toEqual([]);
  });

  it('when a status and the record of the send race, then the status is never lost', async () => {
    const messages = await Promise.all(Array.from({ length: 10 }, () => outbound(false)));
    await Promise.all(messages.flatMap((m) => [m.send(), callback({ id: m.providerMessageId, status: 'delivered', timestamp: at(10) })]));
    for (const m of messages) expect(await stored(m.id)).toMatchObject({ status: 'delivered', status_at: new Date(at(10)) });
  });

  it('when the transcript or the conversation is read, then each outbound message shows its status, time and error', async () => {
    const api = apiClient(stack.url, org.apiKey);
    const { body: transcript } = await api.get(`/v1/conversations/${conversationId}/transcript`);
    const failed = transcript.messages.find((m: { status: string }) => m.status === 'failed');
    expect(failed).toMatchObject({ direction: 'out', statusAt: at(6).replace('Z', '.000Z'), error: 'unreachable', errorCode: '30003' });
    const { body: conversation } = await api.get(`/v1/conversations/${conversationId}`);
    expect(conversation.outbound).toHaveLength(transcript.messages.length);
    expect(conversation.outbound).toContainEqual({
      id: failed.id,
      step: 'hello',
      status: 'failed',
      statusAt: failed.statusAt,
      error: 'unreachable',
      errorCode: '30003',
    });
  });
});
