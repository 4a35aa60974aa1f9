import { features } from './features';

/** Example phrases per intent, per language: `{"promiseToPay": {"en": ["I can pay on Friday"]}}`. */
export type Intents = Record<string, Record<string, string[]>>;

/**
 * A trained intent classifier: a linear model over `features`, weights in
 * thousandths so that the stored JSON, and every score read from it, is exact.
 */
export interface IntentModel {
  v: 1;
  languages: string[];
  intents: string[];
  tripleWeight: number;
  bias: number[];
  weights: Record<string, number[]>;
}

export interface IntentScore {
  intent: string;
  score: number;
}

const SCALE = 1_000;

/** Training settings; the defaults were chosen by cross-validation on the training part of the bench set. */
export const TRAINING = {
  epochs: 100,
  rate: 0.5,
  l2: 1e-4,
  // Letter triples seen in only one example are mostly noise, and most of the model's size.
  minTripleCount: 2,
  // How much a letter triple counts against a word stem or a pair of stems.
  tripleWeight: 0.5,
};

interface Example {
  label: number;
  feats: string[];
}

/** The same seeded sequence on every run, so training is repeatable. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One over the length of the feature vector, so long and short replies weigh alike. */
function norm(values: number[]): number {
  return (
    1 /
    Math.sqrt(
      Math.max(
        1e-9,
        values.reduce((s, v) => s + v * v, 0),
      ),
    )
  );
}

function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** The examples in a fixed order: intents and languages by name, phrases as written. */
function examples(intents: Intents): { names: string[]; languages: string[]; list: Example[] } {
  const names = Object.keys(intents).sort();
  const languages = new Set<string>();
  const list: Example[] = [];
  names.forEach((name, label) => {
    for (const language of Object.keys(intents[name]).sort()) {
      languages.add(language);
      for (const phrase of intents[name][language]) list.push({ label, feats: features(phrase, language) });
    }
  });
  return { names, languages: [...languages].sort(), list };
}

function vocabulary(list: Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of list) for (const f of e.feats) counts.set(f, (counts.get(f) ?? 0) + 1);
  const kept = [...counts].filter(([f, n]) => !f.startsWith('c:') || n >= TRAINING.minTripleCount).map(([f]) => f);
  return new Map(kept.sort().map((f, i) => [f, i]));
}

/** Trains a softmax classifier by stochastic gradient descent; the same intents always give the same model. */
export function trainIntents(intents: Intents): IntentModel {
  const { names, languages, list } = examples(intents);
  const vocab = vocabulary(list);
  const k = names.length;
  const w = [...vocab.keys()].map(() => new Float64Array(k));
  const bias = new Float64Array(k);
  const rows = list.map((e) => ({ label: e.label, idx: e.feats.flatMap((f) => (vocab.has(f) ? [vocab.get(f)!] : [])) }));
  const random = mulberry32(12);
  const order = rows.map((_, i) => i);
  const { epochs, rate: startRate, l2, tripleWeight } = TRAINING;
  const value = [...vocab.keys()].map((f) => (f.startsWith('c:') ? tripleWeight : 1));
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const rate = startRate / (1 + epoch * 0.1);
    for (const r of order) {
      const { label, idx } = rows[r];
      const x = norm(idx.map((f) => value[f]));
      const scores = [...bias].map((b, c) => idx.reduce((s, f) => s + w[f][c] * value[f] * x, b));
      const p = softmax(scores);
      for (let c = 0; c < k; c++) {
        const g = p[c] - (c === label ? 1 : 0);
        bias[c] -= rate * g;
        for (const f of idx) w[f][c] -= rate * (g * value[f] * x + l2 * w[f][c]);
      }
    }
  }
  const weights: Record<string, number[]> = {};
  for (const [f, i] of vocab) weights[f] = [...w[i]].map((v) => Math.round(v * SCALE));
  return { v: 1, languages, intents: names, tripleWeight, bias: [...bias].map((v) => Math.round(v * SCALE)), weights };
}

function scoreIn(model: IntentModel, text: string, language: string): IntentScore | undefined {
  const idx = features(text, language).filter((f) => Object.hasOwn(model.weights, f));
  if (idx.length === 0) return undefined;
  const value = idx.map((f) => (f.startsWith('c:') ? model.tripleWeight : 1));
  const x = norm(value);
  const scores = model.bias.map((b, c) => (b + idx.reduce((s, f, i) => s + model.weights[f][c] * value[i], 0) * x) / SCALE);
  const p = softmax(scores);
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
  return { intent: model.intents[best], score: Math.round(p[best] * 1_000) / 1_000 };
}

/**
 * The reply's best intent and its probability (0..1, three decimals), read in the
 * journey's language; with "auto", in whichever of the model's languages scores best.
 */
export function classifyIntent(model: IntentModel, text: string, language: string): IntentScore | undefined {
  const languages = language === 'auto' ? model.languages : [language];
  let best: IntentScore | undefined;
  for (const l of languages) {
    const s = scoreIn(model, text, l);
    if (s && (!best || s.score > best.score)) best = s;
  }
  return best;
}
