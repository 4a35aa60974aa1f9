import { type IntentModel, type Intents, trainIntents } from './model';

/** A stored model's limit: it travels with the journey in the payload that starts each run. */
export const MAX_MODEL_BYTES = 512 * 1024;

/** The classifier for a journey definition's intents; undefined when it declares none. */
export function trainJourney(definition: unknown): IntentModel | undefined {
  const intents = (definition as { intents?: Intents } | null)?.intents;
  if (!intents || typeof intents !== 'object' || Object.keys(intents).length === 0) return undefined;
  return trainIntents(intents);
}
