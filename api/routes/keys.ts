import { Router } from 'express';
import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { insertApiKey, listApiKeys, revokeApiKey } from '../../db/keys';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { generateApiKey } from '../keys';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import { ROLES } from '../roles';

export const keyCreateSchema = z.strictObject({ name: z.string().min(1).max(200), role: z.enum(ROLES) });

/** The org's API keys: created (shown once), listed without secrets, revoked. */
export function keysRouter({ db }: ApiDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const c = caller(req);
    const body = parse(keyCreateSchema, req.body);
    const key = generateApiKey();
    const row = await insertApiKey(db, { orgId: c.orgId, prefix: key.prefix, hash: key.hash, name: body.name, role: body.role });
    await recordAudit(db, {
      orgId: c.orgId,
      actor: c.keyPrefix,
      actorKeyId: c.keyId,
      ip: req.ip,
      action: 'key.created',
      target: `pk_${key.prefix}`,
      result: 'ok',
    });
    res
      .status(201)
      .location(`/v1/keys/${row.id}`)
      .json({ id: row.id, prefix: `pk_${key.prefix}`, name: body.name, role: body.role, createdAt: row.created_at, key: key.key });
  });

  router.get('/', async (req, res) => {
    const rows = await listApiKeys(db, caller(req).orgId);
    res.json({
      keys: rows.map((r) => ({
        id: r.id,
        prefix: `pk_${r.prefix}`,
        name: r.name,
        role: r.role,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
      })),
    });
  });

  router.delete('/:id', async (req, res) => {
    const c = caller(req);
    const id = pathId(req.params.id, 'API key');
    const result = await revokeApiKey(db, c.orgId, id);
    if (result === 'not-found') throw notFound('API key');
    const audit = { orgId: c.orgId, actor: c.keyPrefix, actorKeyId: c.keyId, ip: req.ip, action: 'key.revoked', target: id };
    if (result === 'last-admin') {
      await recordAudit(db, { ...audit, result: 'refused: last admin key' });
      throw new HttpError(409, 'Conflict', "this is the organisation's last admin key: create another admin key before revoking it");
    }
    await recordAudit(db, { ...audit, result: 'ok' });
    res.status(204).end();
  });

  return router;
}
