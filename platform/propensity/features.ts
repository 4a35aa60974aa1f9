import { createHash } from 'node:crypto';

/** What feature extraction reads of one message; the rows of `messages`, oldest first. */
export interface FeatureMessage {
  direction: 'in' | 'out';
  step: string | null;
  intent: string | null;
  sentiment: number | null;
  createdAt: Date;
}

/** What a conversation showed so far, before encoding. */
export interface Observed {
  steps: Set<string>;
  intents: Set<string>;
  sentiments: number[];
  /** Seconds from a bot or agent message to the reply that followed it. */
  latencies: number[];
  /** Local hour (0–23) of the first message. */
  hour: number | null;
  reminders: number;
  replies: number;
}

/** The steps and intents that get a feature of their own; anything else is not encoded. */
export interface Vocabulary {
  steps: string[];
  intents: string[];
}

const MAX_VOCABULARY = 50;
/** A step or intent seen in fewer training conversations than this gets no weight of its own: too few to learn from. */
const MIN_SUPPORT = 5;
const HOUR_BUCKETS = ['hour:0-5', 'hour:6-11', 'hour:12-17', 'hour:18-23'];
const NUMERIC = ['replies', 'noReply', 'latency', 'sentiment', 'sentimentLast', 'reminders'];

/** A send id ("menu", "menu#r1", "menu@2#i1") names its step before any "@" or "#". */
export const stepOfSendId = (sendId: string) => sendId.split(/[@#]/, 1)[0];
const isReminder = (sendId: string) => /#r\d+$/.test(sendId);

// Making a formatter costs far more than using one: one per zone.
const hourFormats = new Map<string, Intl.DateTimeFormat | null>();

function localHour(at: Date, timeZone: string): number {
  if (!hourFormats.has(timeZone)) {
    let format: Intl.DateTimeFormat | null = null;
    try {
      format = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone });
    } catch {
      // An unknown zone: UTC hours.
    }
    hourFormats.set(timeZone, format);
  }
  const format = hourFormats.get(timeZone);
  return format ? Number(format.format(at)) : at.getUTCHours();
}

export function observe(messages: FeatureMessage[], timeZone = 'UTC'): Observed {
  const o: Observed = { steps: new Set(), intents: new Set(), sentiments: [], latencies: [], hour: null, reminders: 0, replies: 0 };
  let lastOut: Date | undefined;
  for (const m of messages) {
    if (o.hour === null) o.hour = localHour(m.createdAt, timeZone);
    if (m.step) o.steps.add(stepOfSendId(m.step));
    if (m.direction === 'out') {
      if (m.step && isReminder(m.step)) o.reminders++;
      lastOut ??= m.createdAt;
      continue;
    }
    o.replies++;
    if (m.intent) o.intents.add(m.intent);
    if (m.sentiment !== null && Number.isFinite(m.sentiment)) o.sentiments.push(m.sentiment);
    if (lastOut) o.latencies.push(Math.max(0, (m.createdAt.getTime() - lastOut.getTime()) / 1000));
    // The next latency counts from the first message after this reply.
    lastOut = undefined;
  }
  return o;
}

/** The steps and intents seen in enough of the training conversations, most frequent first (ties by name). */
export function vocabulary(observed: Observed[]): Vocabulary {
  const top = (sets: Set<string>[]) => {
    const counts = new Map<string, number>();
    for (const s of sets) for (const v of s) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts]
      .filter(([, n]) => n >= MIN_SUPPORT)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_VOCABULARY)
      .map(([v]) => v);
  };
  return { steps: top(observed.map((o) => o.steps)), intents: top(observed.map((o) => o.intents)) };
}

export const featureNames = (v: Vocabulary) => [
  ...NUMERIC,
  ...HOUR_BUCKETS,
  ...v.steps.map((s) => `step:${s}`),
  ...v.intents.map((i) => `intent:${i}`),
];

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function encode(v: Vocabulary, o: Observed): number[] {
  const hour = o.hour === null ? -1 : Math.floor(o.hour / 6);
  return [
    Math.log1p(o.replies),
    o.replies ? 0 : 1,
    mean(o.latencies.map((s) => Math.log1p(s))),
    mean(o.sentiments),
    o.sentiments.at(-1) ?? 0,
    o.reminders,
    ...HOUR_BUCKETS.map((_, i) => (i === hour ? 1 : 0)),
    ...v.steps.map((s) => (o.steps.has(s) ? 1 : 0)),
    ...v.intents.map((i) => (o.intents.has(i) ? 1 : 0)),
  ];
}

/** A number in [0, 1) fixed by the id, so that a split or a cut is the same on every run. */
export function idFraction(id: string, salt: string): number {
  return createHash('sha256').update(`${salt}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The part of an ended conversation that training sees: its messages up to a point fixed by its id, never the
 * last one. A live conversation is scored on what it showed so far, so the model learns from such partial views
 * rather than from whole histories whose final steps give the outcome away.
 */
export function trainingPrefix<T>(id: string, messages: T[]): T[] {
  if (messages.length <= 1) return messages;
  return messages.slice(0, 1 + Math.floor(idFraction(id, 'prefix') * (messages.length - 1)));
}
