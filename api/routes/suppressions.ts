import { Router } from 'express';
import { z } from 'zod';
import { CHANNEL_KINDS, type ChannelKind, kindRules } from '../../channels';
import { phoneAddress } from '../../channels/phone';
import { recordAudit } from '../../db/audit';
import { orgSettings } from '../../db/orgs';
import { addSuppressions, liftSuppression, listSuppressions, normaliseAddress } from '../../db/suppressions';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { type FieldError, HttpError, parse } from '../problem';

const address = z.string().trim().min(1, 'must not be empty').max(320);
const kind = z.enum(CHANNEL_KINDS as [ChannelKind, ...ChannelKind[]]);
const MAX_ADDRESSES = 10_000;

export const suppressionAddSchema = z
  .strictObject({
    addresses: z.array(address).min(1).max(MAX_ADDRESSES).optional(),
    address: address.optional(),
    channelKind: kind.optional(),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .refine((b) => (b.addresses === undefined) !== (b.address === undefined), {
    message: 'give either address or addresses',
    path: ['addresses'],
  });
const liftSchema = z.strictObject({ address, channelKind: kind.optional() });
const listQuery = z.strictObject({
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'must be the id of a listed suppression')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * The address as imports and senders store it, so its hash matches theirs: a phone in E.164
 * against the org's country, an email lower-cased, any other address as given.
 */
function canonical(raw: string, defaultCountry: string, channelKind?: ChannelKind): { address: string } | { error: string } {
  if (channelKind) return kindRules(channelKind).normaliseAddress(raw, defaultCountry);
  if (raw.includes('@')) return { address: normaliseAddress(raw) };
  if (/^[+(\d][\d\s().-]*$/.test(raw)) return phoneAddress(raw, defaultCountry);
  return { address: raw };
}

async function canonicalAll(deps: ApiDeps, orgId: string, raws: string[], field: (i: number) => string, channelKind?: ChannelKind) {
  const { defaultCountry } = await orgSettings(deps.db, orgId);
  const errors: FieldError[] = [];
  const addresses: string[] = [];
  raws.forEach((raw, i) => {
    const r = canonical(raw, defaultCountry, channelKind);
    if ('error' in r) errors.push({ field: field(i), message: r.error });
    else addresses.push(r.address);
  });
  if (errors.length) {
    const shown = errors.slice(0, 100);
    throw new HttpError(422, 'Invalid address', shown.map((e) => `${e.field}: ${e.message}`).join('; '), shown);
  }
  return addresses;
}

/** The org's suppression list: addresses never to be contacted, stored only as keyed hashes. */
export function suppressionsRouter(deps: ApiDeps): Router {
  const { db, hashKey } = deps;
  const router = Router();

  router.post('/', async (req, res) => {
    const c = caller(req);
    const body = parse(suppressionAddSchema, req.body);
    const raws = body.addresses ?? [body.address!];
    const field = body.addresses ? (i: number) => `addresses[${i}]` : () => 'address';
    const addresses = await canonicalAll(deps, c.orgId, raws, field, body.channelKind);
    const added = await addSuppressions(db, hashKey, {
      orgId: c.orgId,
      addresses,
      channelKind: body.channelKind ?? null,
      reason: body.reason ?? null,
      createdBy: c.keyPrefix,
    });
    const distinct = new Set(addresses).size;
    // Counts and the channel kind only: an audit entry never holds an address, not even hashed.
    await recordAudit(db, {
      orgId: c.orgId,
      actor: c.keyPrefix,
      actorKeyId: c.keyId,
      ip: req.ip,
      action: 'suppressions.added',
      target: `${body.channelKind ?? 'all kinds'}: ${added} of ${distinct}`,
      result: 'ok',
    });
    res.status(200).json({ added, alreadySuppressed: distinct - added });
  });

  router.get('/', async (req, res) => {
    const query = parse(listQuery, req.query, 'query');
    const rows = await listSuppressions(db, caller(req).orgId, query);
    const items = rows.map((r) => ({ ...r, id: String(r.id), createdAt: r.createdAt.toISOString() }));
    const next = items.length === query.limit ? items[items.length - 1].id : null;
    res.json({ suppressions: items, next });
  });

  router.delete('/', async (req, res) => {
    const c = caller(req);
    const fromBody = req.body && typeof req.body === 'object' && Object.keys(req.body as object).length > 0;
    const input = fromBody ? parse(liftSchema, req.body) : parse(liftSchema, req.query, 'query');
    const [canon] = await canonicalAll(deps, c.orgId, [input.address], () => 'address', input.channelKind);
    const lifted = await liftSuppression(db, hashKey, c.orgId, canon, input.channelKind);
    await recordAudit(db, {
      orgId: c.orgId,
      actor: c.keyPrefix,
      actorKeyId: c.keyId,
      ip: req.ip,
      action: 'suppression.lifted',
      target: `${input.channelKind ?? 'all kinds'}: ${lifted}`,
      result: 'ok',
    });
    res.json({ lifted });
  });

  return router;
}
