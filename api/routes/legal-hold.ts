import { Router } from 'express';
import { recordAudit } from '../../db/audit';
import { type HoldTarget, setLegalHold } from '../../db/legal-hold';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { pathId } from '../lookups';
import { notFound } from '../problem';

const KINDS: { path: string; table: HoldTarget; what: string }[] = [
  { path: '/contacts/:id/legal-hold', table: 'contacts', what: 'contact' },
  { path: '/campaigns/:id/legal-hold', table: 'campaigns', what: 'campaign' },
];

/** POST puts a contact or campaign on legal hold (retention purges skip it), DELETE lifts it; both audited. */
export function legalHoldRouter({ db }: ApiDeps): Router {
  const router = Router();
  for (const { path, table, what } of KINDS) {
    for (const hold of [true, false]) {
      router[hold ? 'post' : 'delete'](path, async (req, res) => {
        const c = caller(req);
        const id = pathId(req.params.id, what);
        if (!(await setLegalHold(db, table, c.orgId, id, hold))) throw notFound(what);
        await recordAudit(db, {
          orgId: c.orgId,
          actor: c.keyPrefix,
          actorKeyId: c.keyId,
          ip: req.ip,
          action: hold ? 'legalHold.set' : 'legalHold.cleared',
          target: `${what}:${id}`,
          result: 'ok',
        });
        res.json({ id, legalHold: hold });
      });
    }
  }
  return router;
}
