import type { RequestHandler } from 'express';
import { caller } from './auth';
import { HttpError } from './problem';

const MAX_BUCKETS = 100_000;

/**
 * A token bucket per API key, in this process (a token spends its key's bucket). With N API
 * processes a key gets up to N times the rate: the price of no database round trip per request.
 */
export function keyRateLimit(opts: { perSecond: number; burst: number; now?: () => number }): RequestHandler {
  const now = opts.now ?? (() => performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (req, res, next) => {
    const { keyId } = caller(req);
    const t = now();
    let bucket = buckets.get(keyId);
    if (!bucket) {
      if (buckets.size >= MAX_BUCKETS) buckets.clear();
      bucket = { tokens: opts.burst, at: t };
      buckets.set(keyId, bucket);
    }
    bucket.tokens = Math.min(opts.burst, bucket.tokens + ((t - bucket.at) / 1000) * opts.perSecond);
    bucket.at = t;
    if (bucket.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / opts.perSecond));
      res.setHeader('Retry-After', String(seconds));
      throw new HttpError(
        429,
        'Too Many Requests',
        `this API key is limited to ${opts.perSecond} requests per second; retry after ${seconds} s`,
      );
    }
    bucket.tokens -= 1;
    next();
  };
}
