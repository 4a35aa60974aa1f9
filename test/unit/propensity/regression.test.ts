import { auc, fitLogistic, predict, solveSpd } from '../../../platform/propensity/regression';
import { prng } from '../../../scripts/bench/propensity-history';

describe('auc', () => {
  it('when every positive scores above every negative, then 1; when below, then 0', () => {
    expect(auc([0.9, 0.8, 0.2, 0.1], [true, true, false, false])).toBe(1);
    expect(auc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
  });
  it('when scores tie across the classes, then each tie counts half', () => {
    expect(auc([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).toBe(0.5);
    // Pairs (positive, negative): (0.9, 0.5) win, (0.9, 0.1) win, (0.5, 0.5) tie, (0.5, 0.1) win.
    expect(auc([0.9, 0.5, 0.5, 0.1], [true, true, false, false])).toBe(0.875);
  });
  it('when only one class is present, then there is no AUC', () => {
    expect(auc([0.1, 0.2], [true, true])).toBeNull();
  });
});

describe('solveSpd', () => {
  it('when the matrix is symmetric positive definite, then A x = b', () => {
    const a = [
      [4, 1, 0],
      [1, 3, 1],
      [0, 1, 2],
    ];
    const x = solveSpd(a, [1, 2, 3]);
    a.forEach((row, i) => expect(row.reduce((s, v, j) => s + v * x[j], 0)).toBeCloseTo([1, 2, 3][i], 10));
  });
});

describe('fitLogistic', () => {
  const random = prng(7);
  // Separable by the first feature alone, with a gap around 0.3; the second is noise and the third constant.
  const rows = Array.from({ length: 400 }, () => [random() * 4 - 2, random() * 4 - 2, 1]).filter((r) => Math.abs(r[0] - 0.3) > 0.2);
  const labels = rows.map((r) => r[0] > 0.3);

  it('when the classes are separable, then the weights stay finite and every row is classified right', () => {
    const model = fitLogistic(rows, labels);
    expect(model.weights.every(Number.isFinite)).toBe(true);
    expect(rows.every((r, i) => predict(model, r) > 0.5 === labels[i])).toBe(true);
    expect(Math.abs(model.weights[0])).toBeGreaterThan(5 * Math.abs(model.weights[1]));
    expect(model.weights[2]).toBe(0);
  });

  it('when fitted twice on the same data, then the same model', () => {
    expect(fitLogistic(rows, labels)).toEqual(fitLogistic(rows, labels));
  });

  it('when the outcome follows a known logistic law, then the fit recovers its direction and calibration', () => {
    const r = prng(11);
    const xs = Array.from({ length: 3000 }, () => [r() * 2 - 1]);
    const ys = xs.map(([x]) => r() < 1 / (1 + Math.exp(-(0.5 + 2 * x))));
    const model = fitLogistic(xs, ys, { l2: 1e-6 });
    expect(predict(model, [0])).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 1);
    expect(predict(model, [1])).toBeGreaterThan(predict(model, [-1]));
  });

  it('when there are no rows, then it says so', () => {
    expect(() => fitLogistic([], [])).toThrow(/needs as many labels/);
  });
});
