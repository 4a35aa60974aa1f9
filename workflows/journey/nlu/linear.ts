// Pieces both model versions share. Version 1 scores with these exactly as it always has: change none of them.

/** Weights are kept in thousandths, so the stored model, and every score read from it, is exact. */
export const SCALE = 1_000;

/** The same seeded sequence on every run, so training is repeatable. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One over the length of the feature vector, so long and short replies weigh alike. */
export function norm(values: number[]): number {
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

export function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export interface IntentScore {
  intent: string;
  score: number;
}

/** The most likely intent and its probability to three decimals; the first wins a tie. */
export function best(intents: string[], p: number[]): IntentScore {
  let top = 0;
  for (let c = 1; c < p.length; c++) if (p[c] > p[top]) top = c;
  return { intent: intents[top], score: Math.round(p[top] * 1_000) / 1_000 };
}
