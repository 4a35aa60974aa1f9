import { validateJourney } from '../../../workflows/journey';
import { matchAnswer } from '../../../workflows/journey/match';
import { classifyIntent, type IntentModel, type Intents, trainIntents } from '../../../workflows/journey/nlu/model';
import { trainJourney } from '../../../workflows/journey/nlu/train';
import replies from '../../fixtures/nlu/replies.json';
import version1 from '../../fixtures/nlu/model-v1.json';
import version2 from '../../fixtures/nlu/model-v2.json';

const INTENTS: Intents = {
  promiseToPay: {
    en: ['I can pay on Friday', "I'll pay next week", 'will pay when i get paid', 'can pay 50 on monday', 'paying it tomorrow'],
    es: ['pago el viernes'],
  },
  cantPay: {
    en: ["I can't afford it", 'i have no money', 'lost my job cant pay', 'im skint', 'struggling with bills, cannot pay'],
  },
  alreadyPaid: {
    en: ['I already paid', 'paid it yesterday', 'this has been paid', 'i paid last week', 'already sorted online'],
  },
};

const ask = (match: Record<string, unknown>) => ({
  name: 'Collect',
  start: 'q',
  intents: INTENTS,
  steps: [
    { id: 'q', kind: 'ask', text: 'When can you pay?', branches: [{ match, next: 'done' }] },
    { id: 'done', kind: 'end' },
  ],
});
const errorsOf = (journey: unknown) => {
  const v = validateJourney(journey);
  return v.ok ? [] : v.errors;
};

describe('intent training', () => {
  it('when the same intents are trained twice, then the models are the same byte for byte', () => {
    expect(JSON.stringify(trainIntents(INTENTS))).toBe(JSON.stringify(trainIntents(INTENTS)));
  });

  it('when the intents come in another key order (as jsonb returns them), then the model is the same', () => {
    const reordered: Intents = { alreadyPaid: INTENTS.alreadyPaid, cantPay: INTENTS.cantPay, promiseToPay: INTENTS.promiseToPay };
    expect(JSON.stringify(trainIntents(reordered))).toBe(JSON.stringify(trainIntents(INTENTS)));
  });

  it('when the whole bench set is trained twice, then the models are the same byte for byte', () => {
    expect(JSON.stringify(trainIntents(replies))).toBe(JSON.stringify(trainIntents(replies)));
  });

  it('when intents are trained now, then the model is version 2, its features sorted and its weights packed', () => {
    const model = trainIntents(INTENTS);
    const names = model.features.split('\n');
    expect(model.v).toBe(2);
    expect(names).toEqual([...names].sort());
    expect(model.weights).toHaveLength(names.length * model.intents.length * 2);
  });

  // Each model trained and its answers recorded when its version was current: runs started with one
  // replay with these answers, so a change to how replies are read needs a new model version instead.
  it.each([
    ['1', version1],
    ['2', version2],
  ])('when a run holds a version-%s model, then every reply gets the answer it got when that version was trained', (_, frozen) => {
    const model = frozen.model as IntentModel;
    for (const { text, language, answer } of frozen.answers) {
      expect({ text, language, answer: classifyIntent(model, text, language) ?? null }).toEqual({ text, language, answer });
    }
  });

  it('when a model is stored as JSON and read back, then every reply gets the same answer', () => {
    const model = trainIntents(INTENTS);
    const stored = JSON.parse(JSON.stringify(model));
    for (const reply of ['ill pay u friday', 'no money sorry', 'I paid this already!!', 'hello?', '']) {
      expect(classifyIntent(stored, reply, 'en')).toEqual(classifyIntent(model, reply, 'en'));
      expect(classifyIntent(model, reply, 'en')).toEqual(classifyIntent(model, reply, 'en'));
    }
  });

  it('when replies are written as customers write, then they get the intent they mean', () => {
    const model = trainIntents(INTENTS);
    expect(classifyIntent(model, 'ill pay friday', 'en')?.intent).toBe('promiseToPay');
    expect(classifyIntent(model, 'cant afford it rn', 'en')?.intent).toBe('cantPay');
    expect(classifyIntent(model, 'already payed it', 'en')?.intent).toBe('alreadyPaid');
    expect(classifyIntent(model, 'pago el viernes', 'auto')?.intent).toBe('promiseToPay');
  });

  it('when a reply shares nothing with the examples, then no intent is read', () => {
    expect(classifyIntent(trainIntents(INTENTS), '🙂', 'en')).toBeUndefined();
  });

  it('when a journey declares no intents, then it gets no model', () => {
    expect(trainJourney({ name: 'x', steps: [] })).toBeUndefined();
    expect(trainJourney(ask({ intent: 'promiseToPay' }))?.intents).toEqual(['alreadyPaid', 'cantPay', 'promiseToPay']);
  });

  it('when the model is small enough for a workflow payload, then it stays under 100 KiB for these intents', () => {
    expect(JSON.stringify(trainIntents(INTENTS)).length).toBeLessThan(100 * 1024);
  });
});

describe('intent matcher', () => {
  const ctx = { now: 0, timeZone: 'UTC' };
  it('matches when the best intent is the one named with at least minScore, and gives its score', () => {
    const heard = { intent: { intent: 'promiseToPay', score: 0.82 } };
    expect(matchAnswer({ intent: 'promiseToPay', minScore: 0.7 }, 'x', ctx, heard)).toEqual({ value: 'promiseToPay', score: 0.82 });
    expect(matchAnswer({ intent: 'promiseToPay', minScore: 0.9 }, 'x', ctx, heard)).toBeUndefined();
    expect(matchAnswer({ intent: 'cantPay' }, 'x', ctx, heard)).toBeUndefined();
    expect(matchAnswer({ intent: 'promiseToPay' }, 'x', ctx, {})).toBeUndefined();
  });

  it('a sentiment matcher matches within its bounds only', () => {
    expect(matchAnswer({ sentiment: { max: -0.5 } }, 'x', ctx, { sentiment: -0.8 })).toEqual({});
    expect(matchAnswer({ sentiment: { max: -0.5 } }, 'x', ctx, { sentiment: -0.2 })).toBeUndefined();
    expect(matchAnswer({ sentiment: { min: 0.5 } }, 'x', ctx, { sentiment: 0.5 })).toEqual({});
    expect(matchAnswer({ sentiment: { max: -0.5 } }, 'x', ctx, {})).toBeUndefined();
  });
});

describe('intent validation', () => {
  it('accepts a journey whose intents and matchers agree', () => {
    expect(errorsOf(ask({ intent: 'promiseToPay', minScore: 0.7 }))).toEqual([]);
  });

  it("accepts the whole bench set as one journey's intents, read with language detection", () => {
    expect(errorsOf({ ...ask({ intent: 'optOut' }), language: 'auto', intents: replies })).toEqual([]);
  });

  it('names an intent with fewer than 5 examples', () => {
    const journey = { ...ask({ intent: 'promiseToPay' }), intents: { ...INTENTS, dispute: { en: ['not mine', 'i dont owe this'] } } };
    expect(errorsOf(journey)).toEqual([{ path: 'intents.dispute', message: 'intent "dispute" has 2 examples; it needs at least 5' }]);
  });

  it('names an example that two intents share once normalised', () => {
    const journey = {
      ...ask({ intent: 'promiseToPay' }),
      intents: { ...INTENTS, cantPay: { en: [...INTENTS.cantPay.en, '  i can PAY on friday!'] } },
    };
    expect(errorsOf(journey)).toEqual([
      {
        path: 'intents.cantPay.en[5]',
        message: '"i can PAY on friday!" is also an example of intent "promiseToPay"; an example may teach only one intent',
      },
    ]);
  });

  it('names a matcher that names an unknown intent', () => {
    expect(errorsOf(ask({ intent: 'promiseToPey' }))).toEqual([
      {
        path: 'steps[0].branches[0].match.intent',
        message: 'step "q": unknown intent "promiseToPey"; expected one of "promiseToPay", "cantPay", "alreadyPaid"',
      },
    ]);
    const { intents: _, ...without } = ask({ intent: 'promiseToPay' });
    expect(errorsOf(without)[0].message).toBe('step "q": unknown intent "promiseToPay"; the journey declares no intents');
  });

  it('refuses minScore without intent, a score outside 0..1 and an empty sentiment rule', () => {
    expect(errorsOf(ask({ yesno: 'yes', minScore: 0.5 }))).toEqual([
      { path: 'steps[0].branches[0].match.minScore', message: 'minScore applies only to intent' },
    ]);
    expect(errorsOf(ask({ intent: 'promiseToPay', minScore: 1.5 }))[0].path).toBe('steps[0].branches[0].match.minScore');
    expect(errorsOf(ask({ sentiment: {} }))[0]).toEqual({
      path: 'steps[0].branches[0].match.sentiment',
      message: 'expected min, max or both',
    });
  });

  it('names a sentiment matcher outside an ask step, and a bad language', () => {
    const journey = {
      name: 'x',
      start: 'b',
      language: 'english',
      steps: [
        { id: 'b', kind: 'branch', on: 'x', branches: [{ match: { sentiment: { max: 0 } }, next: 'e' }], fallback: 'e' },
        { id: 'e', kind: 'end' },
      ],
    };
    expect(errorsOf(journey)).toEqual([{ path: 'language', message: 'expected a two-letter language code such as "en", or "auto"' }]);
    expect(errorsOf({ ...journey, language: 'ga' })).toEqual([
      { path: 'steps[0].branches[0].match.sentiment', message: 'step "b": only an ask step reads the sentiment of a reply' },
    ]);
  });
});
