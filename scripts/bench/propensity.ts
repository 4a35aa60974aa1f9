// npm run bench:propensity -- [--conversations 5000] [--seed 42] [--json]
// Trains the outcome-propensity model on a generated history (scripts/bench/propensity-history.ts) exactly as the
// nightly training does, and reports the AUC on the held-out part (target >= 0.75). No stack: it is arithmetic.
import { trainModel } from '../../platform/propensity/model';
import { TARGET_OUTCOME, generateHistory } from './propensity-history';

export const PROPENSITY_TARGET = { auc: 0.75 };

const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

/** The figures of one run; bench:nlu may fold them into its own. */
export function propensityFigures(opts: { conversations?: number; seed?: number } = {}) {
  const conversations = opts.conversations ?? 5000;
  const seed = opts.seed ?? 42;
  const history = generateHistory(conversations, seed);
  const t0 = performance.now();
  const model = trainModel(
    history.map((c) => ({ id: c.id, messages: c.messages, positive: c.outcome === TARGET_OUTCOME })),
    'UTC',
  );
  const trainSeconds = (performance.now() - t0) / 1000;
  if ('skipped' in model) throw new Error(`training skipped: ${model.skipped}`);
  const measured = model.auc ?? 0;
  return {
    conversations,
    seed,
    nTrain: model.nTrain,
    nTest: model.nTest,
    features: model.featureNames.length,
    positiveRate: round(model.positiveRate),
    auc: round(measured),
    trainSeconds: round(trainSeconds),
    ratio: { auc: round(measured / PROPENSITY_TARGET.auc) },
    target: PROPENSITY_TARGET,
    pass: measured >= PROPENSITY_TARGET.auc,
  };
}

function main() {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const f = propensityFigures({ conversations: arg('conversations', 5000), seed: arg('seed', 42) });
  const rows: [string, string | number][] = [
    ['conversations (seed)', `${f.conversations} (${f.seed})`],
    ['trained on / held out', `${f.nTrain} / ${f.nTest}`],
    ['features', f.features],
    [`share reaching "${TARGET_OUTCOME}"`, f.positiveRate],
    ['training (s)', f.trainSeconds],
    ['held-out AUC', f.auc],
    ['target', `AUC >= ${PROPENSITY_TARGET.auc}`],
    ['pass', String(f.pass)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  if (process.argv.includes('--json')) console.log(JSON.stringify(f));
}

if (require.main === module) main();
