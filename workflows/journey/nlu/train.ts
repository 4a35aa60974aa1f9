import { type IntentModel, type Intents, trainIntents } from './model';

/** The classifier for a journey definition's intents; undefined when it declares none. */
export function trainJourney(definition: unknown): IntentModel | undefined {
  const intents = (definition as { intents?: Intents } | null)?.intents;
  if (!intents || typeof intents !== 'object' || Object.keys(intents).length === 0) return undefined;
  return trainIntents(intents);
}
