import { addDays, weekday } from './calendar';
import { parseClock, todayIn, zonedToEpoch } from './zone';

/** Local opening hours; `days` are 1 = Monday … 6 = Saturday, with 0 or 7 for Sunday. */
export interface SendWindow {
  days?: number[];
  start: string;
  end: string;
}

/** The first instant from `now` inside every one of the windows, each in its own zone. */
export function nextSendTimeInAll(now: number, windows: { window?: SendWindow; timeZone: string }[]): number {
  let at = now;
  // Each window's next opening may fall in another's closed hours; a few rounds settle it.
  for (let round = 0; round < 16; round++) {
    const before = at;
    for (const w of windows) at = nextSendTime(at, w.window, w.timeZone);
    if (at === before) return at;
  }
  return at;
}

/**
 * `now` when inside the window, otherwise the instant it next opens.
 * A window whose end is not after its start runs past midnight (20:00–08:00).
 */
export function nextSendTime(now: number, window: SendWindow | undefined, timeZone: string): number {
  if (!window) return now;
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  if (start === undefined || end === undefined || start === end) return now;
  const days = window.days?.length ? window.days.map((d) => d % 7) : [0, 1, 2, 3, 4, 5, 6];
  const today = todayIn(now, timeZone);
  // A window that began yesterday may still be open, hence day -1.
  for (let offset = -1; offset <= 8; offset++) {
    const date = addDays(today, offset);
    if (!days.includes(weekday(date))) continue;
    const opens = zonedToEpoch(date, start, timeZone);
    const closes = end > start ? zonedToEpoch(date, end, timeZone) : zonedToEpoch(addDays(date, 1), end, timeZone);
    if (now >= opens && now < closes) return now;
    if (opens > now) return opens;
  }
  return now;
}

/** When the window open at `now` closes: Infinity without hours, undefined when it is closed at `now`. */
export function sendWindowCloses(now: number, window: SendWindow | undefined, timeZone: string): number | undefined {
  if (!window) return Infinity;
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  if (start === undefined || end === undefined || start === end) return Infinity;
  const days = window.days?.length ? window.days.map((d) => d % 7) : [0, 1, 2, 3, 4, 5, 6];
  const today = todayIn(now, timeZone);
  for (let offset = -1; offset <= 1; offset++) {
    const date = addDays(today, offset);
    if (!days.includes(weekday(date))) continue;
    const opens = zonedToEpoch(date, start, timeZone);
    const closes = end > start ? zonedToEpoch(date, end, timeZone) : zonedToEpoch(addDays(date, 1), end, timeZone);
    if (now >= opens && now < closes) return closes;
  }
  return undefined;
}
