import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { type Db } from '../../db/database';
import {
  createDataSubjectRequest,
  getDataSubjectRequest,
  listDataSubjectRequests,
  moveDataSubjectRequest,
} from '../../db/data-subject-requests';
import { getDsrBundle, subjectContactIds } from '../../db/dsr';
import { orgSettings } from '../../db/orgs';
import { suppressionHash } from '../../db/suppressions';
import { DSR_TYPES, type DsrParams } from '../../db/tables/data-subject-request.table';
import { phoneAddress } from '../../channels/phone';
import { OutboundRefusedError, checkUrl, configuredPolicy } from '../../platform/outbound';
import { type DsrIdentity, callbackSecret, identityHash } from '../../platform/dsr/identity';
import { WORKFLOW, dsrWorkflowId, type DsrInput } from '../../workflows/contracts';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import { startOrUndo } from '../start';

const CHANNEL_KINDS = ['sandbox', 'twilio', 'whatsapp', 'messenger', 'webchat'] as const;
/** A generous promise: the work itself takes seconds, the law allows a month. */
const EXPECTED_WITHIN_MS = 24 * 3600_000;

const identitySchema = z
  .strictObject({
    phone: z.string().min(1).max(64).optional(),
    customerRef: z.string().min(1).max(200).optional(),
    contactId: z.uuid().optional(),
  })
  .refine((i) => Object.values(i).filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of phone, customerRef or contactId',
  });

export const dsrCreateSchema = z
  .strictObject({
    type: z.enum(DSR_TYPES),
    identity: identitySchema,
    callbackUrl: z.string().max(2000).optional(),
    fields: z.record(z.string().min(1).max(100), z.string().max(2000)).optional(),
    channelKind: z.enum(CHANNEL_KINDS).optional(),
    purpose: z.enum(['marketing', 'service']).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.type === 'rectification' && (!b.fields || Object.keys(b.fields).length === 0))
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'a rectification names at least one field to correct' });
    if (b.type !== 'rectification' && b.fields) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'only for a rectification' });
    for (const f of ['channelKind', 'purpose'] as const)
      if (b.type !== 'objection' && b[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: 'only for an objection' });
  });

type Row = NonNullable<Awaited<ReturnType<typeof getDataSubjectRequest>>>;

const view = (r: Omit<Row, 'callback_url' | 'params'>) => ({
  id: r.id,
  type: r.type,
  status: r.status,
  contactId: r.contact_id,
  error: r.error,
  bundleAvailable: r.bundle_id !== null,
  createdAt: r.created_at,
  expectedCompletionBy: r.expected_completion_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** The identity as the contacts table holds it: a phone in E.164 against the org's default country. */
async function normalisedIdentity(db: Db, orgId: string, identity: Record<string, string | undefined>): Promise<DsrIdentity> {
  if (identity.contactId) return { contactId: identity.contactId.toLowerCase() };
  if (identity.customerRef) return { customerRef: identity.customerRef };
  const { defaultCountry } = await orgSettings(db, orgId);
  const result = phoneAddress(identity.phone!, defaultCountry);
  if ('error' in result)
    throw new HttpError(422, 'Invalid identity', `identity.phone: ${result.error}`, [{ field: 'identity.phone', message: result.error }]);
  return { phone: result.address };
}

/**
 * Data-subject requests: the API validates, records the request (the identity as a keyed hash only)
 * and starts its workflow; the workflow does the work and reports every change.
 */
export function dataSubjectRequestsRouter({ db, temporal, config, hashKey }: ApiDeps): Router {
  const router = Router();
  const outbound = configuredPolicy(config);

  const audit = (req: Parameters<Parameters<Router['get']>[1]>[0], action: string, target: string, result: string) => {
    const c = caller(req);
    return recordAudit(db, { orgId: c.orgId, actor: c.keyPrefix, actorKeyId: c.keyId, ip: req.ip, action, target, result });
  };

  router.post('/', async (req, res) => {
    const { orgId } = caller(req);
    const body = parse(dsrCreateSchema, req.body);
    if (body.callbackUrl !== undefined) {
      try {
        await checkUrl(body.callbackUrl, outbound);
      } catch (err) {
        if (!(err instanceof OutboundRefusedError)) throw err;
        throw new HttpError(422, 'Refused destination', `callbackUrl: ${err.message}`, [{ field: 'callbackUrl', message: err.message }]);
      }
    }
    const identity = await normalisedIdentity(db, orgId, body.identity);
    const contactIds = await subjectContactIds(db, orgId, identity);
    if ('contactId' in identity && contactIds.length === 0) throw notFound('contact');
    const params: DsrParams = {
      contactIds,
      ...(body.fields ? { fields: body.fields } : {}),
      ...(body.channelKind ? { channelKind: body.channelKind } : {}),
      ...(body.purpose ? { purpose: body.purpose } : {}),
      ...('phone' in identity && body.type === 'erasure' ? { addressHash: suppressionHash(hashKey, identity.phone) } : {}),
    };
    const now = new Date();
    const row = await createDataSubjectRequest(db, {
      orgId,
      type: body.type,
      identityHash: identityHash(hashKey, orgId, identity),
      contactId: contactIds[0] ?? null,
      callbackUrl: body.callbackUrl ?? null,
      now,
      expectedCompletionAt: new Date(now.getTime() + EXPECTED_WITHIN_MS),
      params,
    });
    await startOrUndo(
      () =>
        temporal.workflow.start(WORKFLOW.dsr, {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: dsrWorkflowId(row.id),
          args: [{ orgId, requestId: row.id } satisfies DsrInput],
        }),
      () => db.deleteFrom('data_subject_requests').where('id', '=', row.id).execute(),
    );
    await audit(req, `dsr.${body.type}.requested`, row.id, 'ok');
    res
      .status(201)
      .location(`/v1/data-subject-requests/${row.id}`)
      .json({
        ...view(row),
        ...(body.callbackUrl ? { callbackSecret: callbackSecret(hashKey, row.id) } : {}),
      });
  });

  router.get('/', async (req, res) => {
    const { limit } = parse(z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }), req.query, 'query');
    const rows = await listDataSubjectRequests(db, caller(req).orgId, limit);
    res.json({ requests: rows.map(view) });
  });

  router.get('/:id', async (req, res) => {
    const row = await getDataSubjectRequest(db, caller(req).orgId, pathId(req.params.id, 'data-subject request'));
    if (!row) throw notFound('data-subject request');
    res.json(view(row));
  });

  router.post('/:id/cancel', async (req, res) => {
    const { orgId } = caller(req);
    const id = pathId(req.params.id, 'data-subject request');
    const existing = await getDataSubjectRequest(db, orgId, id);
    if (!existing) throw notFound('data-subject request');
    const moved = await moveDataSubjectRequest(db, orgId, id, 'cancelled', new Date());
    if (!moved) {
      await audit(req, 'dsr.cancel', id, `refused: ${existing.status}`);
      throw new HttpError(409, 'Conflict', `the request is ${existing.status}; only a pending request can be cancelled`);
    }
    await audit(req, 'dsr.cancel', id, 'ok');
    res.json(view(moved));
  });

  router.get('/:id/bundle', async (req, res) => {
    const { orgId } = caller(req);
    const id = pathId(req.params.id, 'data-subject request');
    const bundle = await getDsrBundle(db, orgId, id);
    if (!bundle) {
      await audit(req, 'dsr.bundle.download', id, 'failed: no bundle');
      throw notFound('bundle');
    }
    await audit(req, 'dsr.bundle.download', id, 'ok');
    res.status(200).type('application/zip');
    res.set('content-disposition', `attachment; filename="data-subject-request-${id}.zip"`);
    res.end(bundle.bytes);
  });

  return router;
}
