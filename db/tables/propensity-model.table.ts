import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { Vocabulary } from '../../platform/propensity/features';
import type { Logistic } from '../../platform/propensity/regression';

export interface PropensityCoefficients {
  logistic: Logistic;
  vocabulary: Vocabulary;
}

/** One training of a journey's outcome-propensity model; the newest of a journey is the one that scores. */
export interface PropensityModelTable {
  id: Generated<string>;
  org_id: string;
  journey_id: string;
  target_outcome: string;
  trained_at: ColumnType<Date, Date | undefined, never>;
  coefficients: JSONColumnType<PropensityCoefficients>;
  feature_names: JSONColumnType<string[]>;
  n_train: number;
  n_test: number;
  positive_rate: number;
  /** On the held-out conversations; null when they held one class only. */
  auc: number | null;
}
