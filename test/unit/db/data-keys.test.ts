import { randomBytes, randomUUID } from 'node:crypto';
import {
  DataKeyDestroyedError,
  UNREADABLE,
  dataKeysOf,
  destroyDataKeys,
  openFor,
  rewrapDataKeys,
  sealFor,
  withDataKeys,
} from '../../../db/data-keys';
import { type Db, createDb } from '../../../db/database';
import { upsertContacts } from '../../../db/contacts';
import { changeConversation, createConversation, findConversation, openNotes } from '../../../db/conversations';
import { sealLegacyTexts } from '../../../db/legacy-texts';
import { storeMessage, transcript } from '../../../db/messages';
import { seedOrg } from '../../helpers/stack';

describe('per-organisation data keys', () => {
  let raw: Db;
  const master = randomBytes(32);

  beforeAll(() => {
    raw = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 3);
  });
  afterAll(() => raw.destroy());

  it('when an org seals its first text, then one data key is created for it, stored wrapped, and shared by transactions', async () => {
    const db = withDataKeys(raw, master);
    const { orgId } = await seedOrg(raw);
    const [a, b] = await Promise.all([sealFor(db, orgId, 'first'), sealFor(db, orgId, 'second')]);
    const rows = await raw.selectFrom('org_data_keys').selectAll().where('org_id', '=', orgId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].wrapped!.length).toBeGreaterThan(32);
    expect(a.startsWith(`enc:v1:${rows[0].id}:`) && b.startsWith(`enc:v1:${rows[0].id}:`)).toBe(true);
    const inTrx = await db.transaction().execute(async (trx) => (dataKeysOf(trx) ? openFor(trx, orgId, a) : 'no keys'));
    expect(inTrx).toBe('first');
    // Another process (a fresh cache) opens it too; plaintext rows from before encryption read as they are.
    expect(await openFor(withDataKeys(createDbLike(raw), master), orgId, b)).toBe('second');
    expect(await openFor(db, orgId, 'written before encryption')).toBe('written before encryption');
  });

  it("when an org's data key is destroyed, then nothing it sealed opens, in any process, and it seals nothing more", async () => {
    const db = withDataKeys(raw, master);
    const { orgId } = await seedOrg(raw);
    const sealed = await sealFor(db, orgId, 'shred me');
    expect(await destroyDataKeys(db, orgId)).toBe(1);
    expect(await openFor(db, orgId, sealed)).toBe(UNREADABLE);
    expect(await openFor(withDataKeys(createDbLike(raw), master), orgId, sealed)).toBe(UNREADABLE);
    await expect(sealFor(db, orgId, 'more')).rejects.toBeInstanceOf(DataKeyDestroyedError);
    const row = await raw.selectFrom('org_data_keys').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect([row.wrapped, row.destroyed_at instanceof Date]).toEqual([null, true]);
  });

  it('when the master key is rotated, then the data keys are re-wrapped, the sealed texts unchanged still open, and the old master key no longer does', async () => {
    const oldMaster = randomBytes(32);
    const newMaster = randomBytes(32);
    const { orgId } = await seedOrg(raw);
    const sealed = await sealFor(withDataKeys(createDbLike(raw), oldMaster), orgId, 'kept across rotation');
    const before = await raw.selectFrom('org_data_keys').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(await rewrapDataKeys(raw, oldMaster, newMaster)).toBeGreaterThanOrEqual(1);
    expect(await rewrapDataKeys(raw, oldMaster, newMaster)).toBe(0);
    const after = await raw.selectFrom('org_data_keys').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(after.id).toBe(before.id);
    expect(after.wrapped!.equals(before.wrapped!)).toBe(false);
    expect(await openFor(withDataKeys(createDbLike(raw), newMaster), orgId, sealed)).toBe('kept across rotation');
    await expect(openFor(withDataKeys(createDbLike(raw), oldMaster), orgId, sealed)).rejects.toThrow(/another master key/);
  });
});

describe('texts stored before encryption', () => {
  let raw: Db;
  beforeAll(() => {
    raw = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 3);
  });
  afterAll(() => raw.destroy());

  it('when the legacy texts are sealed in batches, then bodies and notes become envelopes that read as before, and a second run seals nothing', async () => {
    const db = withDataKeys(raw, randomBytes(32));
    const org = await seedOrg(raw);
    const [contactId] = await upsertContacts(raw, org.orgId, org.channelId, [{ address: '+447911123602', fields: {} }], 10);
    const id = randomUUID();
    const base = { id, orgId: org.orgId, contactId, channelId: org.channelId, journeyId: org.journeyId, journeyVersion: 1 };
    await createConversation(raw, { ...base, workflowId: `test:${id}` });
    // Written by a Db without data keys: plaintext, as rows from before encryption are.
    for (const [i, body] of ['old one', 'old two', 'old three'].entries()) {
      await storeMessage(raw, {
        orgId: org.orgId,
        conversationId: id,
        channelId: org.channelId,
        direction: 'out',
        author: 'bot',
        body,
        idempotencyKey: `${id}:${i}`,
      });
    }
    await changeConversation(raw, { id }, { note: 'old note' });
    await changeConversation(db, { id }, { note: 'new note' });

    let batches = 0;
    while ((await sealLegacyTexts(db, { orgId: org.orgId, limit: 2 })) > 0) batches++;
    expect(batches).toBeGreaterThanOrEqual(2);
    const events = await raw.selectFrom('events').select('data').where('conversation_id', '=', id).execute();
    const copies = events.flatMap((e) => [e.data.text, e.data.note]).filter((t) => typeof t === 'string');
    expect(copies).toHaveLength(5);
    for (const t of copies) expect(t).toMatch(/^enc:v1:/);
    const rows = await raw.selectFrom('messages').select('body').where('conversation_id', '=', id).execute();
    for (const r of rows) expect(r.body).toMatch(/^enc:v1:/);
    expect((await transcript(db, id)).map((m) => m.body)).toEqual(['old one', 'old two', 'old three']);
    const row = (await findConversation(raw, org.orgId, id))!;
    for (const n of row.notes) expect(n).toMatch(/^enc:v1:/);
    expect(await openNotes(db, org.orgId, row.notes)).toEqual(['old note', 'new note']);
    expect(await sealLegacyTexts(db, { orgId: org.orgId })).toBe(0);
  });
});

/** The same pool under a new Kysely instance: a second process's view, with its own key cache. */
const createDbLike = (db: Db): Db => db.withTables() as unknown as Db;
