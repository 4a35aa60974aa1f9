// The sentiment of inbound messages: English with AFINN-165 (the `sentiment` package, which
// knows emoji and negation), Spanish, French and Irish with NLP.js's lexicons. It runs in the
// API as messages are routed, so the workflow bundle carries no lexicon.
import { containerBootstrap } from '@nlpjs/core';
import { LangEs } from '@nlpjs/lang-es';
import { LangFr } from '@nlpjs/lang-fr';
import { LangGa } from '@nlpjs/lang-ga';
import { SentimentAnalyzer } from '@nlpjs/sentiment';
import Sentiment from 'sentiment';

const OTHER_LANGUAGES = ['es', 'fr', 'ga'];
const MAX_CHARS = 2_000;
// AFINN words score -5..5, Senticon and Pattern words -1..1: both are squashed into -1..1.
const AFINN_SPREAD = 4;
// In collections "pay" is what a customer promises, not a complaint (AFINN scores it -1).
const DOMAIN = { extras: { pay: 0 } };

let english: Sentiment | undefined;
let others: SentimentAnalyzer | undefined;

function loadOthers(): SentimentAnalyzer {
  const container = containerBootstrap();
  for (const lang of [LangEs, LangFr, LangGa]) container.use(lang);
  return new SentimentAnalyzer({ container });
}

const squash = (score: number, spread: number) => Math.round(Math.tanh(score / spread) * 1_000) / 1_000;

/**
 * A message's sentiment from -1 (very negative) to 1 (very positive), three decimals; 0 when no word
 * carries any. Read in English, or, when no English word carries any, in whichever of Spanish,
 * French and Irish knows most of its words.
 */
export async function sentimentOf(text: string): Promise<number> {
  const clipped = text.slice(0, MAX_CHARS);
  english ??= new Sentiment();
  const en = english.analyze(clipped, DOMAIN);
  if (en.calculation.length > 0) return squash(en.score, AFINN_SPREAD);
  others ??= loadOthers();
  let best = { score: 0, numHits: 0, type: 'afinn' };
  for (const locale of OTHER_LANGUAGES) {
    const { sentiment } = await others.process({ locale, text: clipped });
    if (sentiment.numHits > best.numHits) best = sentiment;
  }
  return squash(best.score, best.type === 'afinn' ? AFINN_SPREAD : 1);
}
