import type { RequestHandler } from 'express';
import type { Db } from '../db/database';
import { takeRequestSlot } from '../db/send-rates';
import { caller } from './auth';
import { HttpError } from './problem';

/**
 * A request schedule per API key, kept in PostgreSQL and shared by every API process (a token spends its
 * key's schedule), so N processes still give a key its rate once, not N times. One upsert a request.
 */
export function keyRateLimit(db: Db, opts: { perSecond: number; burst: number }): RequestHandler {
  return async (req, res, next) => {
    const slot = await takeRequestSlot(db, caller(req).keyId, opts);
    if ('retryInMs' in slot) {
      const seconds = Math.max(1, Math.ceil(slot.retryInMs / 1000));
      res.setHeader('Retry-After', String(seconds));
      throw new HttpError(
        429,
        'Too Many Requests',
        `this API key is limited to ${opts.perSecond} requests per second; retry after ${seconds} s`,
      );
    }
    next();
  };
}
