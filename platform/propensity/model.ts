import { type FeatureMessage, type Vocabulary, encode, featureNames, idFraction, observe, trainingPrefix, vocabulary } from './features';
import { type Logistic, auc, fitLogistic, predict } from './regression';

/** A trained model as stored: enough to score any conversation of its journey. */
export interface PropensityModel {
  vocabulary: Vocabulary;
  featureNames: string[];
  logistic: Logistic;
  nTrain: number;
  nTest: number;
  positiveRate: number;
  /** On the held-out conversations; null when they hold only one class. */
  auc: number | null;
}

export interface Example {
  id: string;
  messages: FeatureMessage[];
  positive: boolean;
}

/** The share of conversations held out of training to measure the model. */
const HOLD_OUT = 0.2;

export const isHeldOut = (id: string) => idFraction(id, 'holdout') < HOLD_OUT;

export function trainModel(examples: Example[], timeZone: string): PropensityModel | { skipped: string } {
  const positives = examples.filter((e) => e.positive).length;
  if (positives === 0 || positives === examples.length) {
    return { skipped: `all ${examples.length} ended conversations ${positives ? 'reached' : 'missed'} the target outcome` };
  }
  const seen = examples.map((e) => ({ e, o: observe(trainingPrefix(e.id, e.messages), timeZone) }));
  let train = seen.filter(({ e }) => !isHeldOut(e.id));
  const test = seen.filter(({ e }) => isHeldOut(e.id));
  // A training part of one class cannot be fitted: then fit on everything and report no held-out figure.
  const trainPositives = train.filter(({ e }) => e.positive).length;
  if (trainPositives === 0 || trainPositives === train.length) train = seen;
  const vocab = vocabulary(train.map(({ o }) => o));
  const logistic = fitLogistic(
    train.map(({ o }) => encode(vocab, o)),
    train.map(({ e }) => e.positive),
  );
  const measured =
    train === seen
      ? null
      : auc(
          test.map(({ o }) => predict(logistic, encode(vocab, o))),
          test.map(({ e }) => e.positive),
        );
  return {
    vocabulary: vocab,
    featureNames: featureNames(vocab),
    logistic,
    nTrain: train.length,
    nTest: train === seen ? 0 : test.length,
    positiveRate: positives / examples.length,
    auc: measured,
  };
}

/** The probability that a conversation with these messages so far reaches the target outcome. */
export function score(model: Pick<PropensityModel, 'vocabulary' | 'logistic'>, messages: FeatureMessage[], timeZone: string): number {
  return predict(model.logistic, encode(model.vocabulary, observe(messages, timeZone)));
}
