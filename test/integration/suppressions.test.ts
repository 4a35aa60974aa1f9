import { sql } from 'kysely';
import { addSuppressions, blockedAddresses, liftSuppression, listSuppressions } from '../../db/suppressions';
import { type TestStack, seedOrg, startTestStack } from '../helpers/stack';

const KEY = Buffer.alloc(32, 7);

describe('suppressions and restriction, in the database', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db);
  });
  afterAll(() => stack?.stop());

  it('stores no plaintext address, blocks suppressed and restricted addresses, and lifts a suppression', async () => {
    const db = stack.db;
    const scope = { orgId: org.orgId, channelId: org.channelId, channelKind: 'sandbox' };
    expect(await addSuppressions(db, KEY, { orgId: org.orgId, addresses: [' Ann@Example.com', '+447911000001'], createdBy: 'test' })).toBe(
      2,
    );
    expect(await addSuppressions(db, KEY, { orgId: org.orgId, addresses: ['ann@example.com'], createdBy: 'test' })).toBe(0);
    const dump = await sql<{ t: string }>`select s::text as t from suppressions s where org_id = ${org.orgId}`.execute(db);
    expect(dump.rows).toHaveLength(2);
    for (const r of dump.rows) {
      expect(r.t).not.toMatch(/example|7911000001/i);
    }
    await db
      .insertInto('contacts')
      .values({
        org_id: org.orgId,
        channel_id: org.channelId,
        address: '+447911000002',
        fields: JSON.stringify({}),
        restricted_at: new Date(0),
      })
      .execute();

    const blocked = await blockedAddresses(db, KEY, scope, ['ann@example.com', '+447911000001', '+447911000002', '+447911000003']);
    expect(Object.fromEntries(blocked)).toEqual({
      'ann@example.com': 'suppressed',
      '+447911000001': 'suppressed',
      '+447911000002': 'restricted',
    });

    const page = await listSuppressions(db, org.orgId, { limit: 10 });
    expect(page).toHaveLength(2);
    expect(page[0].hashPrefix).toHaveLength(12);

    expect(await liftSuppression(db, KEY, org.orgId, '+447911000001')).toBe(1);
    const after = await blockedAddresses(db, KEY, scope, ['+447911000001']);
    expect(after.size).toBe(0);
  });
});
