const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PATTERN = /^([+-]?)(\d+(?:\.\d+)?)\s*([smhdw])$/i;

export const DAY_MS = UNIT_MS.d;

/**
 * Milliseconds for "10s", "5m", "24h", "3d", "1w" or a plain number of seconds.
 * Undefined when unreadable, or negative without `signed` (used for offsets).
 */
export function parseDuration(value: string | number, signed = false): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    ms = value * 1_000;
  } else {
    const m = PATTERN.exec(value.trim());
    if (!m) return undefined;
    ms = Number(m[2]) * UNIT_MS[m[3].toLowerCase()] * (m[1] === '-' ? -1 : 1);
  }
  if (!Number.isFinite(ms) || (!signed && ms < 0)) return undefined;
  return Math.round(ms);
}
