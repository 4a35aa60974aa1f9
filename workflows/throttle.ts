/** The span a campaign's `ratePerMinute` counts over. */
export const THROTTLE_PERIOD_MS = 60_000;

/**
 * A sliding minute: `recent` are the times of the latest starts. Returns those still
 * inside the minute before `now`, how many more may start now, and, when none may,
 * the moment the oldest leaves the minute.
 */
export function throttle(recent: number[], now: number, perMinute: number): { recent: number[]; allowance: number; nextAt: number } {
  const kept = recent.filter((t) => t > now - THROTTLE_PERIOD_MS);
  const allowance = Math.max(0, perMinute - kept.length);
  const nextAt = allowance > 0 ? now : kept[kept.length - perMinute] + THROTTLE_PERIOD_MS;
  return { recent: kept.slice(-perMinute), allowance, nextAt };
}
