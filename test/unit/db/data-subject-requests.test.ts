import { randomBytes } from 'node:crypto';
import {
  createDataSubjectRequest,
  getDataSubjectRequest,
  listDataSubjectRequests,
  moveDataSubjectRequest,
} from '../../../db/data-subject-requests';
import { type Db, createDb } from '../../../db/database';
import { identityHash } from '../../../platform/dsr/identity';
import { seedOrg } from '../../helpers/stack';

describe('data-subject request rows', () => {
  let db: Db;
  let orgA: string;
  let orgB: string;
  const key = randomBytes(32);
  const now = new Date('2030-01-01T00:00:00Z');
  const later = new Date('2030-01-31T00:00:00Z');

  beforeAll(async () => {
    db = createDb(process.env.PARLEY_TEST_DATABASE_URL!, 2);
    orgA = (await seedOrg(db)).orgId;
    orgB = (await seedOrg(db)).orgId;
  });
  afterAll(() => db.destroy());

  const create = (orgId: string, phone = '+447911123777') =>
    createDataSubjectRequest(db, {
      orgId,
      type: 'access',
      identityHash: identityHash(key, orgId, { phone }),
      contactId: null,
      callbackUrl: null,
      now,
      expectedCompletionAt: later,
    });

  it('when a request is stored, then its row holds a keyed hash and never the phone', async () => {
    const row = await create(orgA, '+447911123888');
    const stored = await db.selectFrom('data_subject_requests').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain('7911123888');
    expect(stored.identity_hash).toBe(identityHash(key, orgA, { phone: '+447911123888' }));
    expect(stored.identity_hash).not.toBe(identityHash(key, orgB, { phone: '+447911123888' }));
    expect(stored.identity_hash).not.toBe(identityHash(randomBytes(32), orgA, { phone: '+447911123888' }));
    expect(row).toMatchObject({ status: 'pending', expected_completion_at: later });
  });

  it('when a pending request is cancelled, then it can no longer start', async () => {
    const row = await create(orgA);
    expect(await moveDataSubjectRequest(db, orgA, row.id, 'cancelled', now)).toMatchObject({ status: 'cancelled', finished_at: now });
    expect(await moveDataSubjectRequest(db, orgA, row.id, 'in_progress', now)).toBeUndefined();
  });

  it('when a request has started, then it cannot be cancelled and ends completed or failed once', async () => {
    const row = await create(orgA);
    expect(await moveDataSubjectRequest(db, orgA, row.id, 'in_progress', now)).toMatchObject({ status: 'in_progress', started_at: now });
    expect(await moveDataSubjectRequest(db, orgA, row.id, 'cancelled', now)).toBeUndefined();
    expect(await moveDataSubjectRequest(db, orgA, row.id, 'failed', later, { error: 'contact not found' })).toMatchObject({
      status: 'failed',
      error: 'contact not found',
      finished_at: later,
    });
    expect(await moveDataSubjectRequest(db, orgA, row.id, 'completed', later)).toBeUndefined();
  });

  it('when another org asks for a request, then it is neither found, listed nor moved', async () => {
    const row = await create(orgA);
    expect(await getDataSubjectRequest(db, orgB, row.id)).toBeUndefined();
    expect((await listDataSubjectRequests(db, orgB, 100)).map((r) => r.id)).not.toContain(row.id);
    expect(await moveDataSubjectRequest(db, orgB, row.id, 'cancelled', now)).toBeUndefined();
    expect(await getDataSubjectRequest(db, orgA, row.id)).toMatchObject({ status: 'pending' });
  });
});
