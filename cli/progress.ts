/** What `watch` shows of a campaign: read defensively, since `progress` and some counts are newer than others. */
export interface Snapshot {
  id: string;
  status: string;
  total: number;
  sent: number;
  replied?: number;
  /** While the campaign imports its file: rows read (of a total or bytes where the API knows them), accepted and rejected so far. */
  import?: ImportProgress;
}

export interface ImportProgress {
  status: string;
  rowsRead?: number;
  totalRows?: number;
  bytesRead?: number;
  totalBytes?: number;
  accepted?: number;
  rejected?: number;
  error?: string;
}

export const FINISHED = new Set(['completed', 'cancelled', 'failed']);

/** Watching stops once the campaign is over, or its import failed (nothing will ever send). */
export const finished = (s: Snapshot): boolean => FINISHED.has(s.status) || s.import?.status === 'failed';

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
  const base: Snapshot = { id: String(view.id), status: String(view.status), total, sent: Math.max(0, sent), replied };
  const imported = importProgress(view.import);
  return imported ? { ...base, import: imported } : base;
}

function importProgress(v: unknown): ImportProgress | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const i = obj(v);
  const c = obj(i.counts);
  const p: ImportProgress = {
    status: String(i.status),
    rowsRead: num(i.rowsRead),
    totalRows: num(i.totalRows),
    bytesRead: num(i.bytesRead),
    totalBytes: num(i.totalBytes),
    accepted: num(c.accepted) ?? num(i.accepted),
    rejected: num(c.rejected) ?? num(i.rejected),
    error: typeof i.error === 'string' ? i.error : undefined,
  };
  return Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined)) as unknown as ImportProgress;
}

/** "import: 1200/5000 rows, 40% of bytes, 1180 accepted, 20 rejected" — the parts the API gave. */
export function importLine(i: ImportProgress): string {
  const rows = i.rowsRead === undefined ? undefined : `${i.rowsRead}${i.totalRows === undefined ? '' : `/${i.totalRows}`} rows`;
  const bytes = i.bytesRead !== undefined && i.totalBytes ? `${Math.floor((100 * i.bytesRead) / i.totalBytes)}% of bytes` : undefined;
  const parts = [
    rows,
    bytes,
    i.accepted === undefined ? undefined : `${i.accepted} accepted`,
    i.rejected === undefined ? undefined : `${i.rejected} rejected`,
    i.error ? `error: ${i.error}` : undefined,
  ].filter(Boolean);
  return `import ${i.status}${parts.length ? `: ${parts.join(', ')}` : ''}`;
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
  if (s.import && (s.status === 'importing' || s.import.status !== 'done')) {
    return `campaign ${s.id} ${s.status}: ${importLine(s.import)}`;
  }
  const pct = s.total > 0 ? Math.floor((100 * s.sent) / s.total) : 0;
  const perSecond = rate.ratePerSecond === undefined ? '-' : rate.ratePerSecond.toFixed(1);
  return (
    `campaign ${s.id} ${s.status}: sent ${s.sent}/${s.total} (${pct}%), replied ${s.replied ?? '-'}, ` +
    `${perSecond}/s, ETA ${finished(s) ? '0s' : duration(rate.etaSeconds)}`
  );
}
