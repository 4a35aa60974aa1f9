import type { Path, Problem } from '../checks';
import type { Journey } from '../schema';
import { words } from '../text';

/** Fewer examples than this cannot teach the classifier an intent. */
export const MIN_EXAMPLES = 5;

/** A phrase as the checks compare it: folded words, punctuation and spacing dropped. */
const normalised = (phrase: string) => words(phrase).join(' ');

/** Intents with too few examples, examples given to two intents, and matchers that name no intent. */
export function intentProblems(journey: Journey): Problem[] {
  const problems: Problem[] = [];
  const intents = journey.intents ?? {};
  const owner = new Map<string, { intent: string; path: Path }>();
  for (const [intent, byLanguage] of Object.entries(intents)) {
    const count = Object.values(byLanguage).reduce((n, phrases) => n + phrases.length, 0);
    if (count < MIN_EXAMPLES) {
      problems.push({ path: ['intents', intent], message: `intent "${intent}" has ${count} examples; it needs at least ${MIN_EXAMPLES}` });
    }
    for (const [language, phrases] of Object.entries(byLanguage)) {
      phrases.forEach((phrase, k) => {
        const key = normalised(phrase);
        const path = ['intents', intent, language, k];
        const first = owner.get(key);
        if (first && first.intent !== intent) {
          problems.push({
            path,
            message: `"${phrase}" is also an example of intent "${first.intent}"; an example may teach only one intent`,
          });
        } else if (!first) owner.set(key, { intent, path });
      });
    }
  }
  journey.steps.forEach((s, i) => {
    const branches = 'branches' in s ? (s.branches ?? []) : [];
    branches.forEach(({ match }, k) => {
      const path = ['steps', i, 'branches', k, 'match'];
      if (match.intent !== undefined && !Object.hasOwn(intents, match.intent)) {
        const known = Object.keys(intents);
        const hint = known.length ? `; expected one of ${known.map((n) => `"${n}"`).join(', ')}` : '; the journey declares no intents';
        problems.push({ path: [...path, 'intent'], message: `step "${s.id}": unknown intent "${match.intent}"${hint}` });
      }
      if (match.sentiment !== undefined && s.kind !== 'ask') {
        problems.push({ path: [...path, 'sentiment'], message: `step "${s.id}": only an ask step reads the sentiment of a reply` });
      }
    });
  });
  return problems;
}
