import type { Request, RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import type { SigningKeys } from '../config';
import { recordAudit } from '../db/audit';
import type { Db } from '../db/database';
import { keyIsLive, orgOfKeyPrefix, touchApiKey } from '../db/keys';
import { resolveApiKey } from './keys';
import { HttpError } from './problem';
import { ROLES, type Role, mayCall, routeFor } from './roles';

const TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'parley';
const AUDIENCE = 'parley-api';
// How long a process may trust that a token's key is still live: a revoked key's tokens stop within this.
const LIVE_KEY_CACHE_MS = 500;
const LIVE_KEY_CACHE_MAX = 10_000;
// last_used_at is a hint, not a log: one write a minute per key whatever the traffic.
const TOUCH_EVERY_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Caller {
  orgId: string;
  keyId: string;
  /** `pk_<prefix>`: names the key in logs without revealing it. */
  keyPrefix: string;
  role: Role;
  /** How the caller proved itself: only an API key may obtain a token. */
  via: 'key' | 'token';
}

export function caller(req: Request): Caller {
  const c = (req as Request & { caller?: Caller }).caller;
  if (!c) throw new HttpError(401, 'Unauthorized', 'missing credentials');
  return c;
}

/** Keys seen live in the last LIVE_KEY_CACHE_MS, so that a burst of token requests costs one query. */
function liveKeyCheck(db: Db): (orgId: string, keyId: string) => Promise<boolean> {
  const seenLive = new Map<string, number>();
  return async (orgId, keyId) => {
    const at = seenLive.get(`${orgId}/${keyId}`);
    if (at !== undefined && Date.now() - at < LIVE_KEY_CACHE_MS) return true;
    const checkedAt = Date.now();
    if (!(await keyIsLive(db, orgId, keyId))) return false;
    if (seenLive.size >= LIVE_KEY_CACHE_MAX) seenLive.clear();
    seenLive.set(`${orgId}/${keyId}`, checkedAt);
    return true;
  };
}

function verifyToken(token: string, keys: SigningKeys): Omit<Caller, 'via'> | undefined {
  try {
    const kid = jwt.decode(token, { complete: true })?.header.kid ?? '1';
    const secret = keys.accepted.get(kid);
    if (!secret) return undefined;
    const claims = jwt.verify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }) as jwt.JwtPayload;
    if (typeof claims.org !== 'string' || !UUID.test(claims.org) || typeof claims.sub !== 'string' || !UUID.test(claims.sub))
      return undefined;
    const role = ROLES.find((r) => r === claims.role) ?? 'readonly';
    const keyPrefix = typeof claims.kp === 'string' ? claims.kp : 'pk_unknown';
    return { orgId: claims.org, keyId: claims.sub, role, keyPrefix };
  } catch {
    return undefined;
  }
}

/** The prefix of something shaped like a key, which is safe to record; anything else is not. */
const presentedPrefix = (token: string) => /^(pk_[0-9a-f]{12})_/.exec(token)?.[1];

/**
 * At most FAILED_AUDITS_PER_MINUTE failed-auth audit rows per IP per minute and process, so a flood
 * of bad keys writes a bounded number of rows; the requests are refused all the same.
 */
export const FAILED_AUDITS_PER_MINUTE = 30;
const FAILED_AUDIT_IPS_MAX = 10_000;

export function failedAuditLimiter(perMinute = FAILED_AUDITS_PER_MINUTE) {
  const windows = new Map<string, { start: number; n: number }>();
  return {
    allow(ip: string, now: number): boolean {
      let w = windows.get(ip);
      if (!w || now - w.start >= 60_000) {
        if (!w && windows.size >= FAILED_AUDIT_IPS_MAX) windows.clear();
        w = { start: now, n: 0 };
        windows.set(ip, w);
      }
      w.n += 1;
      return w.n <= perMinute;
    },
  };
}

/** Accepts an API key, or a short-lived JWT from POST /v1/auth/token whose key is still live. Failures are audited. */
export function authenticate(db: Db, keys: SigningKeys): RequestHandler {
  const isLive = liveKeyCheck(db);
  const touched = new Map<string, number>();
  const failedAudits = failedAuditLimiter();
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    let found: Caller | undefined;
    if (!token) {
      found = undefined;
    } else if (token.startsWith('pk_')) {
      const key = await resolveApiKey(db, token);
      found = key && { ...key, via: 'key' };
    } else {
      const claims = verifyToken(token, keys);
      found = claims && (await isLive(claims.orgId, claims.keyId)) ? { ...claims, via: 'token' } : undefined;
    }
    if (!found) {
      const prefix = token && presentedPrefix(token);
      if (failedAudits.allow(req.ip ?? 'unknown', Date.now())) {
        const orgId = prefix ? await orgOfKeyPrefix(db, prefix.slice('pk_'.length)) : undefined;
        await recordAudit(db, {
          ...(orgId ? { orgId } : {}),
          actor: prefix ?? 'anonymous',
          ip: req.ip,
          action: 'auth.failed',
          target: `${req.method} ${routeFor(req.method, req.baseUrl + req.path)?.template ?? 'unmatched'}`,
          result: 'denied',
        });
      }
      throw new HttpError(
        401,
        'Unauthorized',
        token ? 'the API key or token is not valid' : 'send Authorization: Bearer <api key or token>',
      );
    }
    (req as Request & { caller?: Caller }).caller = found;
    const last = touched.get(found.keyId);
    if (last === undefined || Date.now() - last >= TOUCH_EVERY_MS) {
      if (touched.size >= LIVE_KEY_CACHE_MAX) touched.clear();
      touched.set(found.keyId, Date.now());
      touchApiKey(db, found.keyId).catch(() => touched.delete(found.keyId));
    }
    next();
  };
}

/**
 * Refuses a caller whose key's role does not grant what the route requires. A route declaring no role never runs:
 * it is not found, for every key, as an unknown path is.
 */
export const authorize: RequestHandler = (req, _res, next) => {
  const c = caller(req);
  const route = routeFor(req.method, req.baseUrl + req.path);
  if (!route)
    throw new HttpError(
      404,
      'Not Found',
      `no route for ${req.method} ${req.baseUrl}${req.path} (every route declares its role in api/roles.ts)`,
    );
  if (!mayCall(c.role, route.role))
    throw new HttpError(403, 'Forbidden', `this route requires the ${route.role} role; the key's role is ${c.role}`);
  next();
};

/** A token for the caller's key; a token cannot renew itself, so a leaked one dies with its TTL or its key. */
export function issueToken(c: Caller, keys: SigningKeys): { token: string; expiresIn: number } {
  if (c.via !== 'key') throw new HttpError(403, 'Forbidden', 'an API key is required to obtain a token; a token cannot obtain another');
  const token = jwt.sign({ org: c.orgId, role: c.role, kp: c.keyPrefix }, keys.current.secret, {
    subject: c.keyId,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: TOKEN_TTL_SECONDS,
    algorithm: 'HS256',
    keyid: keys.current.kid,
  });
  return { token, expiresIn: TOKEN_TTL_SECONDS };
}
