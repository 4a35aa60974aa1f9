// Tokenisers and stemmers from NLP.js, imported file by file so the workflow
// bundle takes neither the sentiment lexicons nor anything of Node.
import StemmerEn from '@nlpjs/lang-en-min/src/stemmer-en';
import TokenizerEn from '@nlpjs/lang-en-min/src/tokenizer-en';
import StemmerEs from '@nlpjs/lang-es/src/stemmer-es';
import TokenizerEs from '@nlpjs/lang-es/src/tokenizer-es';
import StemmerFr from '@nlpjs/lang-fr/src/stemmer-fr';
import TokenizerFr from '@nlpjs/lang-fr/src/tokenizer-fr';
import StemmerGa from '@nlpjs/lang-ga/src/stemmer-ga';
import TokenizerGa from '@nlpjs/lang-ga/src/tokenizer-ga';
import { fold } from '../text';
import { normaliseWords } from './spelling';

/** Languages whose examples are stemmed; others are read by their letters alone. */
export const LANGUAGES = ['en', 'es', 'fr', 'ga'] as const;
export type Language = (typeof LANGUAGES)[number];

interface Analyser {
  tokenizer: { innerTokenize(text: string): string[] };
  stemmer: { stemWord(word: string): string; cache: Record<string, string> };
}
// The stemmers memoise every word they see: start afresh now and then so a long-lived worker stays small.
const STEM_CACHE_LIMIT = 20_000;
let stemmed = 0;

type Ctor = new () => unknown;
const make = (tokenizer: Ctor, stemmer: Ctor): Analyser => ({
  tokenizer: new tokenizer() as Analyser['tokenizer'],
  stemmer: new stemmer() as Analyser['stemmer'],
});

const ANALYSERS: Record<Language, Analyser> = {
  en: make(TokenizerEn, StemmerEn),
  es: make(TokenizerEs, StemmerEs),
  fr: make(TokenizerFr, StemmerFr),
  ga: make(TokenizerGa, StemmerGa),
};

export function isLanguage(code: string): code is Language {
  return (LANGUAGES as readonly string[]).includes(code);
}

/** The folded words of a text in a language, then their stems ("paying" → "pai"). */
export function wordsAndStems(text: string, language: string): { words: string[]; stems: string[] } {
  const folded = fold(text);
  const analyser = isLanguage(language) ? ANALYSERS[language] : undefined;
  const words = analyser ? analyser.tokenizer.innerTokenize(folded) : folded.split(/[^\p{L}\p{N}]+/u);
  const clean = normaliseWords(words.map((w) => w.replace(/[^\p{L}\p{N}£€$]/gu, '')).filter((w) => w.length > 0));
  if (!analyser) return { words: clean, stems: clean };
  stemmed += clean.length;
  if (stemmed > STEM_CACHE_LIMIT) {
    for (const a of Object.values(ANALYSERS)) a.stemmer.cache = {};
    stemmed = 0;
  }
  return { words: clean, stems: clean.map((w) => (w.startsWith('#') ? w : analyser.stemmer.stemWord(w))) };
}
