import { Router } from 'express';
import { z } from 'zod';
import { readAuditLog } from '../../db/audit';
import { readRequestLog } from '../../db/request-log';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { parse } from '../problem';

const page = {
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
};
const requestLogQuery = z.object(page);
const auditLogQuery = z.object({
  ...page,
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
});

/** The org's request log and audit log, paged by `after` (the last id seen). */
export function logsRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.get('/request-log', async (req, res) => {
    const query = parse(requestLogQuery, req.query, 'query');
    const rows = await readRequestLog(db, caller(req).orgId, query);
    res.json({
      requests: rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        keyPrefix: r.key_prefix,
        method: r.method,
        route: r.route,
        status: r.status,
        latencyMs: r.latency_ms,
      })),
    });
  });

  router.get('/audit-log', async (req, res) => {
    const query = parse(auditLogQuery, req.query, 'query');
    const rows = await readAuditLog(db, caller(req).orgId, {
      ...query,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    res.json({
      entries: rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        actor: r.actor,
        actorKeyId: r.actor_key_id,
        ip: r.ip,
        action: r.action,
        target: r.target,
        result: r.result,
      })),
    });
  });

  return router;
}
