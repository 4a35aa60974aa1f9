import type { Heard, Matcher } from '../match';
import type { Run } from '../run';
import { classifyIntent, type IntentModel } from './model';

/**
 * What the matchers of these branches need read from the text: the best intent,
 * classified only when a branch asks for one and the journey's version has a model.
 */
export function hear(branches: { match: Matcher }[], text: string, run: Run, sentiment?: number): Heard {
  const { model } = run.ctx;
  const wantsIntent = branches.some((b) => b.match.intent !== undefined);
  const intent = wantsIntent && model ? classifyIntent(JSON.parse(model) as IntentModel, text, run.journey.language ?? 'en') : undefined;
  return { sentiment, intent };
}
