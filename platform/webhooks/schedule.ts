/** Seconds to wait before the 2nd, 3rd... attempt: 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h, for about three days in all. */
export const DEFAULT_RETRY_DELAYS_S = [5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000, 36000];

// Retry-After beyond the schedule's longest wait is not honoured further.
const MAX_RETRY_AFTER_MS = 10 * 3600 * 1000;

/**
 * When to try again after `attempts` failed attempts, or null when the schedule is spent. The delay is
 * scaled (tests), spread by ±10% so that a recovering receiver is not hit by every retry at once, and
 * replaced by the receiver's Retry-After when it gives one.
 */
export function retryDelayMs(
  attempts: number,
  opts: { delaysS: readonly number[]; scale: number; retryAfterMs?: number },
  random = Math.random,
): number | null {
  const base = opts.delaysS[attempts - 1];
  if (base === undefined) return null;
  if (opts.retryAfterMs !== undefined) return Math.min(opts.retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.round(base * 1000 * opts.scale * (0.9 + 0.2 * random()));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
