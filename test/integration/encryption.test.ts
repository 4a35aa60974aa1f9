import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { UNREADABLE, sealFor } from '../../db/data-keys';
import { createDb } from '../../db/database';
import { storeMessage, transcript } from '../../db/messages';
import { openText, unwrapDataKey, wrappingKey } from '../../platform/envelope';
import { hmacSha256Header } from '../../channels/signature';
import { channelSecret } from '../helpers/secrets';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, TEST_MASTER_KEY, apiClient, eventually, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';

// The sandbox outbox stands in for the provider's own systems (what a real provider keeps of a sent text), not Parley's store.
const PROVIDER_SIDE = new Set(['sandbox_outbox']);

describe('encryption at rest and crypto-shredding', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  const said = `my quokka ${randomBytes(4).toString('hex')} needs a new passport`;
  const noted = `quokka owner ${randomBytes(4).toString('hex')} called twice`;
  // The sample journeys' keyword, in words no other test or sample writes.
  const opening = `I want to talk to someone about quokka ${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db);
    api = apiClient(stack.url, org.apiKey);
    const faq = await api.post('/v1/journeys', { name: 'FAQ', definition: sampleJourney('inbound-faq') });
    expect((await api.raw('PATCH', '/v1/org', { inboundJourneyId: faq.body.id })).status).toBe(200);
  });
  afterAll(() => stack?.stop());

  /** The columns of text, json and arrays in the database holding `needle`, provider-side stores aside. */
  const holding = async (needles: string[]) => {
    const columns = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and data_type in ('text', 'jsonb', 'json', 'character varying', 'ARRAY', 'bytea')`.execute(
      stack.db,
    );
    expect(columns.rows.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const c of columns.rows.filter((r) => !PROVIDER_SIDE.has(r.table_name))) {
      const found = await sql<{ n: string }>`
        select count(*) as n from ${sql.table(c.table_name)}
        where ${sql.ref(c.column_name)}::text ilike any (${needles.map((n) => `%${n}%`)})`.execute(stack.db);
      if (Number(found.rows[0].n) > 0) hits.push(`${c.table_name}.${c.column_name}`);
    }
    return hits;
  };

  it('when a conversation holds a distinctive text and note, then the rows hold ciphertext only, the API shows plaintext, and after offboarding nothing opens', async () => {
    const phone = sandboxPhone(api, org.channelId, '07911 123530');
    const { conversationId } = await phone.say(opening);
    await phone.receive(2);
    await eventually(async () => ((await api.get(`/v1/conversations/${conversationId}`)).body.status === 'handoff' ? true : undefined));
    const { messageId } = await phone.say(said);
    await eventually(async () =>
      (await api.get(`/v1/conversations/${conversationId}/transcript`)).body.messages.some((m: { id: string }) => m.id === messageId)
        ? true
        : undefined,
    );
    expect((await api.post(`/v1/conversations/${conversationId}/notes`, { text: noted })).status).toBe(201);

    // (a) The raw rows are envelopes; the texts are nowhere in the database, events and webhook data included.
    const raw = await stack.db.selectFrom('messages').select('body').where('conversation_id', '=', conversationId!).execute();
    expect(raw.length).toBeGreaterThanOrEqual(4);
    for (const { body } of raw) expect(body).toMatch(/^enc:v1:k[0-9a-f]{16}:[A-Za-z0-9+/]+=*$/);
    const row = await stack.db.selectFrom('conversations').select('notes').where('id', '=', conversationId!).executeTakeFirstOrThrow();
    for (const note of row.notes) expect(note).toMatch(/^enc:v1:/);
    expect(await holding([said, noted, opening])).toEqual([]);

    // (b) Through the API, the org reads its plaintext.
    const shown = await api.get(`/v1/conversations/${conversationId}/transcript`);
    expect(shown.body.messages.map((m: { text: string }) => m.text)).toContain(said);
    expect((await api.get(`/v1/conversations/${conversationId}`)).body.notes).toEqual([`Customer asked: ${opening}`, noted]);

    // A body stored before encryption: plaintext, until offboarding seals it so that the shredding reaches it.
    const legacy = `legacy quokka ${randomBytes(4).toString('hex')}`;
    const plain = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 1);
    await storeMessage(plain, {
      orgId: org.orgId,
      conversationId,
      channelId: org.channelId,
      direction: 'out',
      author: 'agent',
      body: legacy,
      idempotencyKey: `legacy:${conversationId}`,
    });
    await plain.destroy();
    expect(await holding([legacy])).toEqual(['events.data', 'messages.body']);

    // (c) Offboarding: a confirmation that is not the org's id is refused, naming the field.
    const wrong = await api.post('/v1/org/offboard', { confirmOrgId: '00000000-0000-4000-8000-000000000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('confirmOrgId');
    const done = await api.post('/v1/org/offboard', { confirmOrgId: org.orgId });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ orgId: org.orgId, workflowsEnded: 1, dataKeysDestroyed: 1 });
    expect(
      (await stack.db.selectFrom('conversations').select('status').where('id', '=', conversationId!).executeTakeFirstOrThrow()).status,
    ).toBe('cancelled');
    expect(done.body.apiKeysRevoked).toBeGreaterThanOrEqual(1);
    expect((await api.get('/v1/org')).status).toBe(401);
    const audit = await stack.db.selectFrom('audit_log').select(['action', 'result']).where('org_id', '=', org.orgId).execute();
    expect(audit).toContainEqual({ action: 'org.offboarded', result: 'ok' });

    // No key left anywhere opens the rows: the org's key has no bytes, and every other org's key fails the tag.
    const other = await seedOrg(stack.db);
    await sealFor(stack.db, other.orgId, 'another org keeps its key');
    const keys = await stack.db
      .selectFrom('org_data_keys')
      .select(['id', 'org_id', 'wrapped', 'wrapping_key_id', 'destroyed_at'])
      .execute();
    const own = keys.filter((k) => k.org_id === org.orgId);
    expect(own.map((k) => [k.wrapped, k.destroyed_at instanceof Date])).toEqual([[null, true]]);
    const wk = wrappingKey(Buffer.from(TEST_MASTER_KEY, 'base64'));
    const remaining = keys
      .filter((k) => k.wrapped && k.wrapping_key_id === wk.id)
      .map((k) => ({ id: k.id, key: unwrapDataKey(wk, k.org_id, k.id, k.wrapped!), org: k.org_id }));
    expect(remaining.length).toBeGreaterThan(0);
    expect(await holding([legacy, said, noted])).toEqual([]);
    const sealed = await stack.db.selectFrom('messages').select('body').where('conversation_id', '=', conversationId!).execute();
    expect(sealed).toHaveLength(raw.length + 1);
    for (const { body } of sealed) {
      expect(body).toMatch(/^enc:v1:/);
      for (const k of remaining) {
        const retagged = body.replace(/^enc:v1:k[0-9a-f]{16}:/, `enc:v1:${k.id}:`);
        expect(() => openText(k, org.orgId, retagged)).toThrow();
        expect(() => openText(k, k.org, retagged)).toThrow();
      }
    }
    // A provider still writing to the org's channel is told the org is gone, and nothing is stored.
    const text = JSON.stringify({ messages: [{ from: '+447911123530', text: 'still there?', id: `late-${conversationId}` }] });
    const late = await apiClient(stack.url).raw('POST', `/hooks/${org.channelId}`, text, {
      'content-type': 'application/json',
      'x-parley-signature': hmacSha256Header(await channelSecret(stack.db, org.channelId), text),
    });
    expect(late.status).toBe(410);
    expect(
      await stack.db.selectFrom('messages').select('id').where('provider_message_id', '=', `late-${conversationId}`).execute(),
    ).toEqual([]);

    const after = await transcript(stack.db, conversationId!);
    expect(after.map((m) => m.body)).toEqual(Array(sealed.length).fill(UNREADABLE));
  });
});
