import { type SendWindow, nextSendTimeInAll, sendWindowCloses } from '../../workflows/journey/window';

/** A window in one zone: the org's in its own zone, the campaign's in each recipient's. */
interface ZonedWindow {
  window?: SendWindow;
  timeZone: string;
}

export interface EstimateInput {
  /** The request's instant; the estimate never reads the clock. */
  now: number;
  startAt?: number;
  /** Recipients by their time zone. */
  recipients: Record<string, number>;
  /** The channel's send rate. */
  ratePerSecond: number;
  /** The campaign's throttle. */
  ratePerMinute?: number;
  /** The campaign's window, in each recipient's zone. */
  sendWindow?: SendWindow;
  /** The org's own window, in its zone. */
  org?: ZonedWindow;
}

export interface Estimate {
  ratePerSecond: number;
  /** The first send: the start, or the first open hour after it. */
  startsAt: string;
  completesAt: string;
  /** From the first send to the last, closed hours included. */
  seconds: number;
  /** Sending alone, at the rate. */
  sendingSeconds: number;
}

// Each round ends at an opening or a closing; a year of daily windows in a few zones stays far below this.
const MAX_ROUNDS = 100_000;

/** When sending the first messages starts and ends: the rate, the throttle and every recipient's open hours. */
export function estimateSending(input: EstimateInput): Estimate {
  const rate = Math.min(input.ratePerSecond, input.ratePerMinute ? input.ratePerMinute / 60 : Infinity);
  const zones = Object.entries(input.recipients)
    .filter(([, n]) => n > 0)
    .map(([timeZone, n]) => ({
      left: n,
      windows: [...(input.org ? [input.org] : []), { window: input.sendWindow, timeZone }],
    }));
  const total = zones.reduce((sum, z) => sum + z.left, 0);
  const opensAt = (t: number, ws: ZonedWindow[]) => nextSendTimeInAll(t, ws);
  const closesAt = (t: number, ws: ZonedWindow[]) => Math.min(...ws.map((w) => sendWindowCloses(t, w.window, w.timeZone) ?? t));
  let t = Math.max(input.now, input.startAt ?? input.now);
  let first: number | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const live = zones.filter((z) => z.left > 0);
    if (live.length === 0) break;
    const open = live.filter((z) => opensAt(t, z.windows) === t).map((z) => ({ z, closes: closesAt(t, z.windows) }));
    const later = live.filter((z) => opensAt(t, z.windows) !== t).map((z) => opensAt(t, z.windows));
    if (open.length === 0) {
      t = Math.min(...later);
      continue;
    }
    first ??= t;
    const until = Math.min(...open.map((o) => o.closes), ...later);
    // Recipients whose hours end first are sent to first.
    open.sort((a, b) => a.closes - b.closes);
    let capacity = (rate * (until - t)) / 1000;
    let sent = 0;
    for (const o of open) {
      const n = Math.min(o.z.left, capacity);
      o.z.left -= n;
      capacity -= n;
      sent += n;
    }
    const exhausted = open.every((o) => o.z.left === 0);
    t = exhausted ? t + (sent / rate) * 1000 : until;
  }
  const startsAt = first ?? t;
  return {
    ratePerSecond: rate,
    startsAt: new Date(startsAt).toISOString(),
    completesAt: new Date(t).toISOString(),
    seconds: Math.ceil((t - startsAt) / 1000),
    sendingSeconds: Math.ceil(total / rate),
  };
}
