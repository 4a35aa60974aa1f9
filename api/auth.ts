import type { Request, RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import type { Db } from '../db/database';
import { keyIsLive } from '../db/keys';
import { resolveApiKey } from './keys';
import { HttpError } from './problem';

const TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'parley';
const AUDIENCE = 'parley-api';
// How long a process may trust that a token's key is still live: a revoked key's tokens stop within this.
const LIVE_KEY_CACHE_MS = 500;
const LIVE_KEY_CACHE_MAX = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Caller {
  orgId: string;
  keyId: string;
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

function verifyToken(token: string, jwtSecret: string): { orgId: string; keyId: string } | undefined {
  try {
    const claims = jwt.verify(token, jwtSecret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }) as jwt.JwtPayload;
    if (typeof claims.org !== 'string' || !UUID.test(claims.org) || typeof claims.sub !== 'string' || !UUID.test(claims.sub))
      return undefined;
    return { orgId: claims.org, keyId: claims.sub };
  } catch {
    return undefined;
  }
}

/** Accepts an API key, or a short-lived JWT from POST /v1/auth/token whose key is still live. */
export function authenticate(db: Db, jwtSecret: string): RequestHandler {
  const isLive = liveKeyCheck(db);
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw new HttpError(401, 'Unauthorized', 'send Authorization: Bearer <api key or token>');
    let found: Caller | undefined;
    if (token.startsWith('pk_')) {
      const key = await resolveApiKey(db, token);
      found = key && { ...key, via: 'key' };
    } else {
      const claims = verifyToken(token, jwtSecret);
      found = claims && (await isLive(claims.orgId, claims.keyId)) ? { ...claims, via: 'token' } : undefined;
    }
    if (!found) throw new HttpError(401, 'Unauthorized', 'the API key or token is not valid');
    (req as Request & { caller?: Caller }).caller = found;
    next();
  };
}

/** A token for the caller's key; a token cannot renew itself, so a leaked one dies with its TTL or its key. */
export function issueToken(c: Caller, jwtSecret: string): { token: string; expiresIn: number } {
  if (c.via !== 'key') throw new HttpError(403, 'Forbidden', 'an API key is required to obtain a token; a token cannot obtain another');
  const token = jwt.sign({ org: c.orgId }, jwtSecret, {
    subject: c.keyId,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: TOKEN_TTL_SECONDS,
    algorithm: 'HS256',
  });
  return { token, expiresIn: TOKEN_TTL_SECONDS };
}
