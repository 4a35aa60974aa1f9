import { randomUUID } from 'node:crypto';
import { recordConsent } from '../../../db/consent';
import { upsertContacts } from '../../../db/contacts';
import { changeConversation, createConversation } from '../../../db/conversations';
import { type Db, createDb } from '../../../db/database';
import { conversationEvents } from '../../../db/events';
import { storeMessage } from '../../../db/messages';
import { seedOrg } from '../../helpers/stack';

describe('events commit or roll back with their change', () => {
  let db: Db;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let contactId: string;

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    org = await seedOrg(db);
    [contactId] = await upsertContacts(db, org.orgId, org.channelId, [{ address: '+447911123601', fields: {} }], 10);
  });
  afterAll(() => db.destroy());

  const conversation = async () => {
    const id = randomUUID();
    const row = { id, orgId: org.orgId, contactId, channelId: org.channelId, journeyId: org.journeyId, journeyVersion: 1 };
    await createConversation(db, { ...row, workflowId: `test:${id}` });
    return id;
  };
  const failing = new Error('forced failure after the change');

  it('when the transaction of a conversation change rolls back, then neither the change nor its events remain', async () => {
    const id = await conversation();
    const attempt = db.transaction().execute(async (trx) => {
      await changeConversation(trx, { id }, { status: 'active', startedAt: new Date() }, { from: ['pending'] });
      await changeConversation(trx, { id }, { outcome: 'Completed', note: 'done' });
      expect((await conversationEvents(trx, id)).map((e) => e.type)).toEqual(['conversationStarted', 'outcomeSet', 'noteAdded']);
      throw failing;
    });
    await expect(attempt).rejects.toBe(failing);
    expect(await conversationEvents(db, id)).toEqual([]);
    const row = await db.selectFrom('conversations').select(['status', 'outcome']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', outcome: null });
    expect(await db.selectFrom('event_counters').select('seq').where('subject_id', '=', id).execute()).toEqual([]);

    await changeConversation(db, { id }, { status: 'active', startedAt: new Date() }, { from: ['pending'] });
    expect((await conversationEvents(db, id)).map((e) => [e.type, e.sequence])).toEqual([['conversationStarted', 1]]);
  });

  it('when a stored message and an opt-out roll back, then their events go with them', async () => {
    const id = await conversation();
    const before = await db.selectFrom('events').select('id').where('org_id', '=', org.orgId).execute();
    const attempt = db.transaction().execute(async (trx) => {
      const msg = { orgId: org.orgId, conversationId: id, channelId: org.channelId, author: 'bot' as const, body: 'Hi' };
      await storeMessage(trx, { ...msg, direction: 'out', idempotencyKey: randomUUID() });
      await recordConsent(trx, { orgId: org.orgId, channelId: org.channelId, contactId, status: 'opted_out', source: 'api' });
      const inside = await trx.selectFrom('events').select('type').where('org_id', '=', org.orgId).execute();
      expect(inside.map((e) => e.type).slice(before.length)).toEqual(['messageSend', 'contactOptedOut']);
      throw failing;
    });
    await expect(attempt).rejects.toBe(failing);
    expect(await db.selectFrom('events').select('id').where('org_id', '=', org.orgId).execute()).toEqual(before);
  });

  it('when a conversation change matches nothing, then it records nothing', async () => {
    const id = await conversation();
    expect(await changeConversation(db, { id }, { status: 'ended', endedAt: new Date() }, { from: ['active'] })).toEqual([]);
    expect(await conversationEvents(db, id)).toEqual([]);
  });
});
