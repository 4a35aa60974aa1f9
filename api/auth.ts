import type { Request, RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import type { Db } from '../db/database';
import { resolveApiKey } from './keys';
import { HttpError } from './problem';

const TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'parley';

export interface Caller {
  orgId: string;
  keyId: string;
}

export function caller(req: Request): Caller {
  const c = (req as Request & { caller?: Caller }).caller;
  if (!c) throw new HttpError(401, 'Unauthorized', 'missing credentials');
  return c;
}

/** Accepts an API key or a short-lived JWT from POST /v1/auth/token. */
export function authenticate(db: Db, jwtSecret: string): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw new HttpError(401, 'Unauthorized', 'send Authorization: Bearer <api key or token>');
    let found: Caller | undefined;
    if (token.startsWith('pk_')) found = await resolveApiKey(db, token);
    else {
      try {
        const claims = jwt.verify(token, jwtSecret, { issuer: ISSUER, algorithms: ['HS256'] }) as jwt.JwtPayload;
        found = { orgId: String(claims.org), keyId: String(claims.sub) };
      } catch {
        found = undefined;
      }
    }
    if (!found) throw new HttpError(401, 'Unauthorized', 'the API key or token is not valid');
    (req as Request & { caller?: Caller }).caller = found;
    next();
  };
}

export function issueToken(c: Caller, jwtSecret: string): { token: string; expiresIn: number } {
  const token = jwt.sign({ org: c.orgId }, jwtSecret, { subject: c.keyId, issuer: ISSUER, expiresIn: TOKEN_TTL_SECONDS, algorithm: 'HS256' });
  return { token, expiresIn: TOKEN_TTL_SECONDS };
}
