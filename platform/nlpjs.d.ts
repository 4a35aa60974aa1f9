// NLP.js ships no types; these are the parts the API's sentiment reading uses.
declare module '@nlpjs/core' {
  export function containerBootstrap(): { use(plugin: unknown): void };
}
declare module '@nlpjs/lang-es' {
  export const LangEs: unknown;
}
declare module '@nlpjs/lang-fr' {
  export const LangFr: unknown;
}
declare module '@nlpjs/lang-ga' {
  export const LangGa: unknown;
}
declare module '@nlpjs/sentiment' {
  export class SentimentAnalyzer {
    constructor(settings: { container: unknown });
    process(input: { locale: string; text: string }): Promise<{ sentiment: { score: number; numHits: number; type: string } }>;
  }
}
