import type { IntentScore } from './linear';
import { type IntentModelV1, scoreV1 } from './model-v1';
import { type Example, type IntentModelV2, scoreV2, type TrainingV2, trainV2 } from './model-v2';

export type { IntentScore } from './linear';
export type { IntentModelV1 } from './model-v1';
export type { IntentModelV2, TrainingV2 } from './model-v2';

/** Example phrases per intent, per language: `{"promiseToPay": {"en": ["I can pay on Friday"]}}`. */
export type Intents = Record<string, Record<string, string[]>>;

/** A trained intent classifier, as stored with a journey version; `v` says how to read it. */
export type IntentModel = IntentModelV1 | IntentModelV2;

/** Trains a softmax classifier on the examples in a fixed order (intents and languages by name): the same intents give the same model. */
export function trainIntents(intents: Intents, settings?: TrainingV2): IntentModelV2 {
  const names = Object.keys(intents).sort();
  const languages = new Set<string>();
  const list: Example[] = [];
  names.forEach((name, label) => {
    for (const language of Object.keys(intents[name]).sort()) {
      languages.add(language);
      for (const text of intents[name][language]) list.push({ label, text, language });
    }
  });
  return trainV2(names, [...languages].sort(), list, settings);
}

// The sorted feature names of the last version-2 model read: a run reads its model afresh for each reply,
// and splitting the names is half the work. Module state, so one per worker thread as workflows share
// the reused context; only speed depends on it, never an answer.
let last = { features: '', names: [''] };
function namesOf(model: IntentModelV2): string[] {
  if (model.features !== last.features) last = { features: model.features, names: model.features.split('\n') };
  return last.names;
}

/**
 * The reply's best intent and its probability (0..1, three decimals), read in the
 * journey's language; with "auto", in whichever of the model's languages scores best.
 */
export function classifyIntent(model: IntentModel, text: string, language: string): IntentScore | undefined {
  const languages = language === 'auto' ? model.languages : [language];
  const names = model.v === 2 ? namesOf(model) : [];
  let best: IntentScore | undefined;
  for (const l of languages) {
    const s = model.v === 2 ? scoreV2(model, names, text, l) : scoreV1(model, text, l);
    if (s && (!best || s.score > best.score)) best = s;
  }
  return best;
}
