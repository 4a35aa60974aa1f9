import { Context } from '@temporalio/activity';
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { recordAudit } from '../db/audit';
import type { Db } from '../db/database';
import { getDataSubjectRequest, moveDataSubjectRequest } from '../db/data-subject-requests';
import {
  eraseSubjectRows,
  liveWorkflowIds,
  rectifyContacts,
  recordObjection,
  setRestriction,
  storeDsrBundle,
  subjectData,
  subjectWorkflowIds,
} from '../db/dsr';
import { recordEvent } from '../db/events';
import { addSuppressions } from '../db/suppressions';
import { buildBundle } from '../platform/dsr/bundle';
import { callbackSecret } from '../platform/dsr/identity';
import { type OutboundPolicy, guardedPost, outboundPolicy } from '../platform/outbound';
import { signatureHeaders } from '../platform/webhooks/sign';
import { type DsrInput, contactRectifiedSignal, restrictionLiftedSignal } from '../workflows/contracts';
import { NotFoundError } from './errors';

/** Tells each live conversation that its contact's restriction is lifted; one that has ended meanwhile is skipped. */
const wakeFrozen = (workflowIds: string[]) => signalLive(workflowIds, (h) => h.signal(restrictionLiftedSignal));

/** Gives each live conversation its contact's corrected fields, so its next step reads them. */
const passOnCorrection = (workflowIds: string[], fields: Record<string, string>) =>
  signalLive(workflowIds, (h) => h.signal(contactRectifiedSignal, { fields }));

async function signalLive(workflowIds: string[], send: (h: WorkflowHandle) => Promise<void>): Promise<void> {
  const { client } = Context.current();
  for (const id of workflowIds) {
    try {
      await send(client.workflow.getHandle(id));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}

export interface DsrDeps {
  db: Db;
  hashKey?: Buffer;
  /** Where status callbacks may go; the strictest policy when absent. */
  callbackPolicy?: OutboundPolicy;
}

const GRPC_NOT_FOUND = 5;
const ACTOR = 'system:dsr';

export interface DsrOutcome {
  ok: boolean;
  error?: string;
  bundleId?: string;
}

/** The person's conversation workflows end, and their executions are deleted, so no history keeps them. */
async function eraseExecutions(workflowIds: string[]): Promise<number> {
  const { client } = Context.current();
  const namespace = client.options.namespace;
  let deleted = 0;
  for (const workflowId of workflowIds) {
    try {
      await client.workflow.getHandle(workflowId).terminate('data-subject erasure');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const runs = new Set<string>();
    for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, '')}'` })) runs.add(w.runId);
    const targets: { workflowId: string; runId?: string }[] = [...runs].map((runId) => ({ workflowId, runId }));
    targets.push({ workflowId });
    for (const execution of targets) {
      try {
        await client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: execution });
        deleted++;
      } catch (err) {
        if ((err as { code?: number }).code !== GRPC_NOT_FOUND) throw err;
      }
    }
  }
  return deleted;
}

export const createDsrActivities = ({ db, hashKey, callbackPolicy }: DsrDeps) => {
  const policy = callbackPolicy ?? outboundPolicy([]);
  const audit = (orgId: string, requestId: string, action: string, result = 'ok') =>
    recordAudit(db, { orgId, actor: ACTOR, action, target: requestId, result });
  const load = async ({ orgId, requestId }: DsrInput) => {
    const row = await getDataSubjectRequest(db, orgId, requestId);
    if (!row) throw new NotFoundError(`data-subject request ${requestId}`);
    return row;
  };

  return {
    /** Moves the request to in_progress; a cancelled one stays as it is. Returns the status it is in. */
    async dsrStart(input: DsrInput): Promise<string> {
      const moved = await moveDataSubjectRequest(db, input.orgId, input.requestId, 'in_progress', new Date());
      if (moved) await audit(input.orgId, input.requestId, `dsr.${moved.type}.started`);
      return moved?.status ?? (await load(input)).status;
    },

    /** Does the request's work; any step may run again after a crash and finds its own work done. */
    async dsrPerform(input: DsrInput): Promise<DsrOutcome> {
      const row = await load(input);
      const params = row.params ?? { contactIds: [] };
      const { orgId, requestId } = input;
      const ids = params.contactIds;
      switch (row.type) {
        case 'access':
        case 'portability': {
          const data = await subjectData(db, orgId, ids);
          const bytes = await buildBundle({ requestId, orgId, createdAt: new Date() }, data);
          const bundleId = await storeDsrBundle(db, orgId, requestId, bytes);
          await audit(orgId, requestId, 'dsr.bundle.built', `ok: ${bytes.length} bytes`);
          return { ok: true, bundleId };
        }
        case 'erasure': {
          if (!hashKey) throw new Error('erasure needs the hash key on this worker');
          const contacts = await db
            .selectFrom('contacts')
            .select('address')
            .where('org_id', '=', orgId)
            .where('id', 'in', ids.length ? ids : [''])
            .execute();
          // The suppression first: a retry after the rows are gone still has it.
          await addSuppressions(db, hashKey, {
            orgId,
            addresses: contacts.map((c) => c.address),
            reason: 'erasure',
            createdBy: `dsr:${requestId}`,
          });
          if (params.addressHash)
            await db
              .insertInto('suppressions')
              .values({
                org_id: orgId,
                address_hash: params.addressHash,
                channel_kind: null,
                reason: 'erasure',
                created_by: `dsr:${requestId}`,
              })
              .onConflict((oc) => oc.doNothing())
              .execute();
          await audit(orgId, requestId, 'dsr.erasure.suppressed');
          const deleted = await eraseExecutions(await subjectWorkflowIds(db, orgId, ids));
          await audit(orgId, requestId, 'dsr.erasure.executions_deleted', `ok: ${deleted}`);
          const erased = await eraseSubjectRows(db, orgId, ids);
          await audit(orgId, requestId, 'dsr.erasure.rows_deleted', `ok: ${erased.contacts} contacts`);
          return { ok: true };
        }
        case 'rectification': {
          const n = await rectifyContacts(db, orgId, ids, params.fields ?? {});
          await audit(orgId, requestId, 'dsr.rectification.applied', `ok: ${n} contacts`);
          if (n > 0) await passOnCorrection(await liveWorkflowIds(db, orgId, ids), params.fields ?? {});
          return n > 0 ? { ok: true } : { ok: false, error: 'no contact matches the identity' };
        }
        case 'restriction':
        case 'liftRestriction': {
          const n = await setRestriction(db, orgId, ids, row.type === 'restriction');
          await audit(orgId, requestId, `dsr.${row.type}.applied`, `ok: ${n} contacts`);
          if (row.type === 'liftRestriction') await wakeFrozen(await liveWorkflowIds(db, orgId, ids));
          return n > 0 ? { ok: true } : { ok: false, error: 'no contact matches the identity' };
        }
        case 'objection': {
          const n = await recordObjection(db, orgId, ids, { channelKind: params.channelKind, purpose: params.purpose });
          await audit(orgId, requestId, 'dsr.objection.recorded', `ok: ${n} contacts`);
          return n > 0 ? { ok: true } : { ok: false, error: 'no contact of that channel kind matches the identity' };
        }
      }
    },

    /** The final move and its event commit together; the request's params go with the move. */
    async dsrFinish(input: DsrInput & DsrOutcome): Promise<string> {
      const row = await load(input);
      const to = input.ok ? 'completed' : 'failed';
      const moved = await db.transaction().execute(async (trx) => {
        const m = await moveDataSubjectRequest(trx, input.orgId, input.requestId, to, new Date(), {
          ...(input.error ? { error: input.error } : {}),
          ...(input.bundleId ? { bundleId: input.bundleId } : {}),
        });
        if (!m) return undefined;
        const contactId = row.type === 'erasure' ? undefined : (row.contact_id ?? undefined);
        await recordEvent(trx, {
          orgId: input.orgId,
          type: 'dataSubjectRequestCompleted',
          contactId,
          data: { requestId: input.requestId, contactId: row.contact_id, type: row.type, status: to },
        });
        return m;
      });
      if (moved) await audit(input.orgId, input.requestId, `dsr.${row.type}.${to}`, input.ok ? 'ok' : 'failed');
      return moved?.status ?? row.status;
    },

    /** Tells the callback URL the request's status, signed as a webhook is (Standard Webhooks headers). */
    async dsrNotify(input: DsrInput & { status: string; change: number }): Promise<void> {
      const row = await load(input);
      if (!row.callback_url || !hashKey) return;
      const eventId = `${input.requestId}:${input.change}`;
      const body = JSON.stringify({ id: row.id, type: row.type, status: input.status, error: row.error, finishedAt: row.finished_at });
      const headers = {
        'content-type': 'application/json',
        ...signatureHeaders({ url: row.callback_url, eventId, body, secrets: [callbackSecret(hashKey, row.id)], now: new Date() }),
      };
      const res = await guardedPost(row.callback_url, policy, body, { timeoutMs: 10_000, maxBytes: 16 * 1024, headers });
      if (res.status < 200 || res.status >= 300) throw new Error(`the callback answered HTTP ${res.status}`);
    },
  };
};
