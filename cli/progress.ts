/** What `watch` shows of a campaign: read defensively, since `progress` and some counts are newer than others. */
export interface Snapshot {
  id: string;
  status: string;
  total: number;
  sent: number;
  replied?: number;
}

export const FINISHED = new Set(['completed', 'cancelled']);

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

// Conversations in these states have sent their first message: today's conversation statuses, and the finer
// progress states (sent, delivered, replied, completed) where the API counts by those instead.
const SENT_STATES = ['active', 'handoff', 'ended', 'sent', 'delivered', 'replied', 'completed'];

export function snapshot(view: Record<string, unknown>): Snapshot {
  const progress = obj(view.progress);
  const counts = obj(view.counts);
  const total = num(progress.total) ?? num(view.total) ?? 0;
  const sent = num(progress.sent) ?? SENT_STATES.reduce((sum, s) => sum + (num(counts[s]) ?? 0), 0);
  const replied = num(progress.replied) ?? num(counts.replied);
  return { id: String(view.id), status: String(view.status), total, sent: Math.max(0, sent), replied };
}

/** Sends per second between the first and the latest snapshot, and the seconds left at that rate. */
export class RateMeter {
  private first?: { at: number; sent: number };

  measure(s: Snapshot, now = Date.now()): { ratePerSecond?: number; etaSeconds?: number } {
    if (!this.first) {
      this.first = { at: now, sent: s.sent };
      return {};
    }
    const seconds = (now - this.first.at) / 1000;
    if (seconds <= 0) return {};
    const ratePerSecond = (s.sent - this.first.sent) / seconds;
    const left = Math.max(0, s.total - s.sent);
    const etaSeconds = ratePerSecond > 0 ? Math.round(left / ratePerSecond) : undefined;
    return { ratePerSecond, etaSeconds };
  }
}

export function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

export function progressLine(s: Snapshot, rate: { ratePerSecond?: number; etaSeconds?: number }): string {
  const pct = s.total > 0 ? Math.floor((100 * s.sent) / s.total) : 0;
  const perSecond = rate.ratePerSecond === undefined ? '-' : rate.ratePerSecond.toFixed(1);
  return (
    `campaign ${s.id} ${s.status}: sent ${s.sent}/${s.total} (${pct}%), replied ${s.replied ?? '-'}, ` +
    `${perSecond}/s, ETA ${FINISHED.has(s.status) ? '0s' : duration(rate.etaSeconds)}`
  );
}
