/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares) on
 * standardised features. Hand-written rather than ml-logistic-regression: that package runs fixed-step gradient
 * descent with no penalty and no scaling, so its weights run off on separable data and depend on the step size.
 * Newton's method on this strictly convex loss converges in a few steps to the one optimum: same data, same model.
 */
export interface Logistic {
  intercept: number;
  weights: number[];
  /** Each feature's training mean and spread, applied before the weights. */
  means: number[];
  scales: number[];
}

export interface FitOptions {
  /** Strength of the L2 penalty on the weights (not the intercept), per training row. */
  l2?: number;
  maxIterations?: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function standardise(rows: number[][], d: number) {
  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) means[j] += r[j];
  for (let j = 0; j < d; j++) means[j] /= rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) scales[j] += (r[j] - means[j]) ** 2;
  // A constant feature carries nothing; a scale of 1 keeps it at 0 rather than dividing by 0.
  return { means, scales: scales.map((v) => (v / rows.length > 1e-12 ? Math.sqrt(v / rows.length) : 1)) };
}

/** Solves A x = b for a symmetric positive definite A (Cholesky), A of size n × n. */
export function solveSpd(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j][j];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}

export function fitLogistic(rows: number[][], labels: boolean[], opts: FitOptions = {}): Logistic {
  if (rows.length === 0 || rows.length !== labels.length) throw new Error('fitLogistic needs as many labels as rows, and some rows');
  const d = rows[0].length;
  const { means, scales } = standardise(rows, d);
  // Column 0 is the intercept.
  const x = rows.map((r) => [1, ...r.map((v, j) => (v - means[j]) / scales[j])]);
  const y = labels.map((l) => (l ? 1 : 0));
  const lambda = (opts.l2 ?? 1e-2) * rows.length;
  let beta = new Array<number>(d + 1).fill(0);
  for (let it = 0; it < (opts.maxIterations ?? 50); it++) {
    const grad = beta.map((b, j) => (j === 0 ? 0 : lambda * b));
    const hess = beta.map((_, i) => beta.map((__, j) => (i === j && i > 0 ? lambda : 0)));
    for (let n = 0; n < x.length; n++) {
      const row = x[n];
      let z = 0;
      for (let j = 0; j <= d; j++) z += row[j] * beta[j];
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i <= d; i++) {
        if (row[i] === 0) continue;
        grad[i] += (p - y[n]) * row[i];
        const wi = w * row[i];
        for (let j = 0; j <= i; j++) hess[i][j] += wi * row[j];
      }
    }
    for (let i = 0; i <= d; i++) for (let j = 0; j < i; j++) hess[j][i] = hess[i][j];
    const step = solveSpd(hess, grad);
    beta = beta.map((b, j) => b - step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { intercept: beta[0], weights: beta.slice(1), means, scales };
}

export function predict(model: Logistic, row: number[]): number {
  let z = model.intercept;
  for (let j = 0; j < model.weights.length; j++) z += (model.weights[j] * (row[j] - model.means[j])) / model.scales[j];
  return sigmoid(z);
}

/** Area under the ROC curve (the Mann–Whitney statistic, ties counted half); null without both classes. */
export function auc(scores: number[], labels: boolean[]): number | null {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j][0] === order[i][0]) j++;
    // Tied scores share the mean of their ranks (1-based).
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (labels[order[k][1]]) {
        positives++;
        rankSum += rank;
      }
    }
    i = j;
  }
  const negatives = scores.length - positives;
  if (!positives || !negatives) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
