import { sql } from 'kysely';
import { hashKey } from '../../config';
import { blockedAddresses } from '../../db/suppressions';
import { suppressionList, suppressionsAdded } from '../../api/schemas/suppressions';
import { type TestStack, apiClient, seedOrg, startTestStack } from '../helpers/stack';

describe('the suppressions API', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
    org = await seedOrg(stack.db);
    api = apiClient(stack.url, org.apiKey);
  });
  afterAll(() => stack?.stop());

  const blocked = (addresses: string[]) =>
    blockedAddresses(stack.db, hashKey(stack.config), { orgId: org.orgId, channelId: org.channelId, channelKind: 'sandbox' }, addresses);

  it('when addresses are added twice, listed and lifted, then adding is idempotent, the list shows no address, and a lift unblocks', async () => {
    const first = await api.post('/v1/suppressions', {
      addresses: ['07911 123456', 'Ann@Example.com', '+447911123456'],
      reason: 'complaint',
    });
    expect(first.status).toBe(200);
    expect(suppressionsAdded.strict().safeParse(first.body).error).toBeUndefined();
    expect(first.body).toEqual({ added: 2, alreadySuppressed: 0 });
    const again = await api.post('/v1/suppressions', { address: '0044 7911123456' });
    expect(again.body).toEqual({ added: 0, alreadySuppressed: 1 });
    expect(Object.fromEntries(await blocked(['+447911123456', 'ann@example.com']))).toEqual({
      '+447911123456': 'suppressed',
      'ann@example.com': 'suppressed',
    });

    const page = await api.get('/v1/suppressions?limit=1');
    expect(page.status).toBe(200);
    expect(suppressionList.strict().safeParse(page.body).error).toBeUndefined();
    expect(page.body.suppressions).toHaveLength(1);
    expect(page.body.suppressions[0]).toMatchObject({ hashPrefix: expect.stringMatching(/^[0-9a-f]{12}$/), reason: 'complaint' });
    const rest = await api.get(`/v1/suppressions?limit=10&before=${page.body.next}`);
    expect(rest.body.suppressions).toHaveLength(1);
    expect(rest.body.next).toBeNull();
    const text = JSON.stringify([page.body, rest.body]);
    expect(text).not.toMatch(/example|7911123456/i);

    const lifted = await api.raw('DELETE', '/v1/suppressions?address=07911%20123456');
    expect(lifted).toMatchObject({ status: 200, body: { lifted: 1 } });
    const liftedByBody = await api.raw('DELETE', '/v1/suppressions', { address: 'ann@example.com' });
    expect(liftedByBody.body).toEqual({ lifted: 1 });
    expect((await blocked(['+447911123456', 'ann@example.com'])).size).toBe(0);
    expect((await api.raw('DELETE', '/v1/suppressions', { address: 'ann@example.com' })).body).toEqual({ lifted: 0 });

    // Each change is audited, by counts only: no address, in any form.
    const audit = await stack.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('org_id', '=', org.orgId)
      .where('action', 'like', 'suppression%')
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'suppressions.added', target: 'all kinds: 2 of 2' },
      { action: 'suppressions.added', target: 'all kinds: 0 of 1' },
      { action: 'suppression.lifted', target: 'all kinds: 1' },
      { action: 'suppression.lifted', target: 'all kinds: 1' },
      { action: 'suppression.lifted', target: 'all kinds: 0' },
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/example|7911/i);
  });

  it('when a suppression is for one channel kind, then it blocks that kind only', async () => {
    expect((await api.post('/v1/suppressions', { address: '+447911123457', channelKind: 'whatsapp' })).body.added).toBe(1);
    expect((await blocked(['+447911123457'])).size).toBe(0);
  });

  it('when the input is bad, then a problem names the field and nothing is stored', async () => {
    const count = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from suppressions where org_id = ${org.orgId}`.execute(stack.db)).rows[0].n);
    const before = await count();
    const badPhone = await api.post('/v1/suppressions', { addresses: ['+447911123458', '12'] });
    expect(badPhone.status).toBe(422);
    expect(badPhone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(badPhone.body.errors).toEqual([{ field: 'addresses[1]', message: expect.any(String) }]);
    const neither = await api.post('/v1/suppressions', { reason: 'x' });
    expect(neither.status).toBe(400);
    expect(neither.body.errors[0].field).toBe('addresses');
    const badKind = await api.post('/v1/suppressions', { address: '+447911123458', channelKind: 'fax' });
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors[0].field).toBe('channelKind');
    const empty = await api.post('/v1/suppressions', { addresses: [] });
    expect(empty.body.errors[0].field).toBe('addresses');
    const noAddress = await api.raw('DELETE', '/v1/suppressions');
    expect(noAddress.status).toBe(400);
    expect(noAddress.body.errors[0].field).toBe('address');
    const badBefore = await api.get('/v1/suppressions?before=abc');
    expect(badBefore.status).toBe(400);
    expect(badBefore.body.errors[0].field).toBe('before');
    expect(await count()).toBe(before);
  });
});
