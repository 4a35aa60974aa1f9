import { wordsAndStems } from './language';
import { best, type IntentScore, mulberry32, norm, softmax } from './linear';

/**
 * The second model format: stems, stem pairs and the letter n-grams of each word, with the
 * feature names sorted in one string and the weights packed two base64 characters each, so a
 * run reads the stored JSON in a fraction of the time an object of number arrays takes.
 */
export interface IntentModelV2 {
  v: 2;
  languages: string[];
  intents: string[];
  /** The shortest and longest letter n-grams taken within each word, its edges marked. */
  grams: [number, number];
  gramWeight: number;
  /** Scores are divided by this before the softmax, so that a reply's probability is about as often right as it says. */
  temperature: number;
  /** In hundredths. */
  bias: number[];
  /** Feature names, sorted, one a line. */
  features: string;
  /** For each feature in order, one weight per intent, in hundredths. */
  weights: string;
}

export interface TrainingV2 {
  epochs: number;
  rate: number;
  l2: number;
  grams: [number, number];
  gramWeight: number;
  /** Letter n-grams seen in fewer examples than this are left out. */
  minGramCount: number;
  temperature: number;
}

/** Chosen by 5-fold cross-validation on the training part of the bench set (`npm run bench:nlu -- --cv`): the temperature by the Brier score of the best intent's probability, the rest by macro-F1. */
export const TRAINING_V2: TrainingV2 = {
  epochs: 60,
  rate: 0.5,
  l2: 3e-3,
  grams: [2, 5],
  gramWeight: 0.5,
  minGramCount: 2,
  temperature: 0.5,
};

const MAX_WORDS = 60;
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Uint8Array(128);
for (let i = 0; i < DIGITS.length; i++) VALUE[DIGITS.charCodeAt(i)] = i;
// Hundredths are finer than training tells apart, and two characters hold -20.48..20.47 (weights stay within ±5).
const SCALE = 100;
const OFFSET = 1 << 11;

function pack(n: number): string {
  const v = Math.min(2 * OFFSET - 1, Math.max(0, n + OFFSET));
  return DIGITS[v >> 6] + DIGITS[v & 63];
}

function unpack(s: string, at: number): number {
  return (VALUE[s.charCodeAt(at)] << 6) + VALUE[s.charCodeAt(at + 1)] - OFFSET;
}

export function featuresV2(text: string, language: string, [lo, hi]: [number, number]): string[] {
  const { words, stems } = wordsAndStems(text, language);
  const out = new Set<string>();
  const n = Math.min(words.length, MAX_WORDS);
  for (let i = 0; i < n; i++) {
    out.add(`w:${stems[i]}`);
    if (i > 0) out.add(`b:${stems[i - 1]}_${stems[i]}`);
    const padded = ` ${words[i]} `;
    for (let len = lo; len <= hi; len++) for (let j = 0; j + len <= padded.length; j++) out.add(`c:${padded.slice(j, j + len)}`);
  }
  return [...out];
}

export interface Example {
  label: number;
  text: string;
  language: string;
}

/** Softmax regression by seeded stochastic gradient descent over examples in a fixed order. */
export function trainV2(names: string[], languages: string[], list: Example[], settings: TrainingV2 = TRAINING_V2): IntentModelV2 {
  const { epochs, rate: startRate, l2, grams, gramWeight, minGramCount, temperature } = settings;
  const feats = list.map((e) => featuresV2(e.text, e.language, grams));
  const counts = new Map<string, number>();
  for (const fs of feats) for (const f of fs) counts.set(f, (counts.get(f) ?? 0) + 1);
  const vocab = [...counts].filter(([f, n]) => !f.startsWith('c:') || n >= minGramCount).map(([f]) => f);
  vocab.sort();
  const index = new Map(vocab.map((f, i) => [f, i]));
  const value = vocab.map((f) => (f.startsWith('c:') ? gramWeight : 1));
  const k = names.length;
  const w = new Float64Array(vocab.length * k);
  const bias = new Float64Array(k);
  const rows = list.map((e, i) => {
    const idx = feats[i].flatMap((f) => (index.has(f) ? [index.get(f)!] : []));
    return { label: e.label, idx, x: norm(idx.map((f) => value[f])) };
  });
  const random = mulberry32(12);
  const order = rows.map((_, i) => i);
  const scores = new Array<number>(k);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const rate = startRate / (1 + epoch * 0.1);
    for (const r of order) {
      const { label, idx, x } = rows[r];
      for (let c = 0; c < k; c++) {
        let s = bias[c];
        for (const f of idx) s += w[f * k + c] * value[f] * x;
        scores[c] = s;
      }
      const p = softmax(scores);
      for (let c = 0; c < k; c++) {
        const g = p[c] - (c === label ? 1 : 0);
        bias[c] -= rate * g;
        for (const f of idx) w[f * k + c] -= rate * (g * value[f] * x + l2 * w[f * k + c]);
      }
    }
  }
  let weights = '';
  for (let i = 0; i < w.length; i++) weights += pack(Math.round(w[i] * SCALE));
  return {
    v: 2,
    languages,
    intents: names,
    grams,
    gramWeight,
    temperature,
    bias: [...bias].map((v) => Math.round(v * SCALE)),
    features: vocab.join('\n'),
    weights,
  };
}

/** Where a feature is in the sorted names, or -1. */
function find(names: string[], f: string): number {
  let lo = 0;
  let hi = names.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (names[mid] === f) return mid;
    if (names[mid] < f) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The reply's best intent read in one language; `names` is `model.features` split into lines. */
export function scoreV2(model: IntentModelV2, names: string[], text: string, language: string): IntentScore | undefined {
  const k = model.intents.length;
  const hits: number[] = [];
  const value: number[] = [];
  for (const f of featuresV2(text, language, model.grams)) {
    const at = find(names, f);
    if (at < 0) continue;
    hits.push(at);
    value.push(f.startsWith('c:') ? model.gramWeight : 1);
  }
  if (hits.length === 0) return undefined;
  const x = norm(value);
  const sums = model.bias.map(() => 0);
  hits.forEach((at, i) => {
    for (let c = 0; c < k; c++) sums[c] += unpack(model.weights, (at * k + c) * 2) * value[i];
  });
  const scores = model.bias.map((b, c) => (b + sums[c] * x) / SCALE / model.temperature);
  return best(model.intents, softmax(scores));
}
