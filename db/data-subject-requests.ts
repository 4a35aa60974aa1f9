import type { Db } from './database';
import type { DsrParams, DsrStatus, DsrType } from './tables/data-subject-request.table';

const COLUMNS = [
  'id',
  'type',
  'contact_id',
  'status',
  'error',
  'bundle_id',
  'created_at',
  'expected_completion_at',
  'started_at',
  'finished_at',
] as const;

/** Where each status may go next; a terminal status goes nowhere. */
const NEXT: Record<DsrStatus, readonly DsrStatus[]> = {
  pending: ['in_progress', 'cancelled'],
  in_progress: ['completed', 'failed'],
  completed: [],
  failed: [],
  cancelled: [],
};

export interface NewDataSubjectRequest {
  orgId: string;
  type: DsrType;
  identityHash: string;
  contactId: string | null;
  callbackUrl: string | null;
  now: Date;
  expectedCompletionAt: Date;
  params?: DsrParams;
}

export async function createDataSubjectRequest(db: Db, input: NewDataSubjectRequest) {
  return db
    .insertInto('data_subject_requests')
    .values({
      org_id: input.orgId,
      type: input.type,
      identity_hash: input.identityHash,
      contact_id: input.contactId,
      callback_url: input.callbackUrl,
      created_at: input.now,
      expected_completion_at: input.expectedCompletionAt,
      params: input.params ? JSON.stringify(input.params) : null,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function getDataSubjectRequest(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('data_subject_requests')
    .select([...COLUMNS, 'callback_url', 'params'])
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listDataSubjectRequests(db: Db, orgId: string, limit: number) {
  return db
    .selectFrom('data_subject_requests')
    .select(COLUMNS)
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Moves a request on only from a status that allows it, in one statement, so a cancel racing
 * the workflow's start leaves exactly one of them winning. Returns the row, or undefined when
 * the request is not in a status that may move to `to`.
 */
export async function moveDataSubjectRequest(
  db: Db,
  orgId: string,
  id: string,
  to: DsrStatus,
  at: Date,
  extra: { error?: string; bundleId?: string } = {},
) {
  const from = (Object.keys(NEXT) as DsrStatus[]).filter((s) => NEXT[s].includes(to));
  return db
    .updateTable('data_subject_requests')
    .set({
      status: to,
      ...(to === 'in_progress' ? { started_at: at } : { finished_at: at }),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      ...(extra.bundleId !== undefined ? { bundle_id: extra.bundleId } : {}),
      // Corrected fields are personal data: kept no longer than the work needs them.
      ...(to === 'in_progress' ? {} : { params: null }),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', 'in', from)
    .returning(COLUMNS)
    .executeTakeFirst();
}
