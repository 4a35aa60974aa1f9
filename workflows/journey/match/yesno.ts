import { words } from '../text';

const YES = new Set([
  'y',
  'yes',
  'yeah',
  'yea',
  'yeh',
  'yep',
  'yup',
  'ya',
  'yah',
  'ok',
  'okay',
  'okey',
  'k',
  'kk',
  'sure',
  'correct',
  'right',
  'confirm',
  'confirmed',
  'affirmative',
  'aye',
  'absolutely',
  'definitely',
  'certainly',
  'agreed',
  'si',
  'oui',
  'ja',
  'sim',
]);
const NO = new Set(['n', 'no', 'nope', 'nah', 'na', 'never', 'negative', 'non', 'nein', 'nao', 'incorrect', 'wrong']);
const YES_PHRASES = [
  ['of', 'course'],
  ['that', 's', 'right'],
];
const NO_PHRASES = [
  ['not', 'really'],
  ['not', 'now'],
  ['no', 'way'],
];
const ONLY_EMOJI = /^(?:\p{Extended_Pictographic}|\s)*$/u;

function startsWith(answer: string[], phrases: string[][]): boolean {
  return phrases.some((p) => p.every((w, i) => answer[i] === w));
}

function emojiAnswer(text: string): 'yes' | 'no' | undefined {
  const bare = text.replace(/[\u{1F3FB}-\u{1F3FF}]/gu, '').replace(/\uFE0F/g, '');
  if (!ONLY_EMOJI.test(bare)) return undefined;
  const yes = /[👍✅👌]/u.test(text);
  const no = /[👎❌]/u.test(text);
  return yes === no ? undefined : yes ? 'yes' : 'no';
}

/**
 * 'yes' or 'no' when the answer starts with a common form of either ("yes please",
 * "nope", "👍") and says nothing of the other; undefined otherwise.
 */
export function readYesNo(text: string): 'yes' | 'no' | undefined {
  const answer = words(text);
  if (answer.length === 0) return emojiAnswer(text);
  const yes = YES.has(answer[0]) || startsWith(answer, YES_PHRASES);
  const no = NO.has(answer[0]) || startsWith(answer, NO_PHRASES);
  if (yes === no) return undefined;
  const rest = answer.slice(1);
  const contradicts = yes ? rest.some((w) => NO.has(w)) : rest.some((w) => YES.has(w));
  return contradicts ? undefined : yes ? 'yes' : 'no';
}
