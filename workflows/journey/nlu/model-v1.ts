import { features } from './features';
import { best, type IntentScore, norm, SCALE, softmax } from './linear';

/**
 * The first model format: stems, stem pairs and letter triples with weights as JSON numbers.
 * No longer trained, but runs started with one keep it, so it must score exactly as it did.
 */
export interface IntentModelV1 {
  v: 1;
  languages: string[];
  intents: string[];
  tripleWeight: number;
  bias: number[];
  weights: Record<string, number[]>;
}

export function scoreV1(model: IntentModelV1, text: string, language: string): IntentScore | undefined {
  const idx = features(text, language).filter((f) => Object.hasOwn(model.weights, f));
  if (idx.length === 0) return undefined;
  const value = idx.map((f) => (f.startsWith('c:') ? model.tripleWeight : 1));
  const x = norm(value);
  const scores = model.bias.map((b, c) => (b + idx.reduce((s, f, i) => s + model.weights[f][c] * value[i], 0) * x) / SCALE);
  return best(model.intents, softmax(scores));
}
