import { trainJourney } from '../../../workflows/journey/nlu/train';
import replies from '../../fixtures/nlu/replies.json';
import { ctxAt, journeyOf, play } from '../journey/helpers';

const journey = journeyOf(
  [
    {
      id: 'q',
      kind: 'ask',
      text: 'When can you pay?',
      saveAs: 'answer',
      branches: [
        { match: { sentiment: { max: -0.5 } }, next: 'agent' },
        { match: { intent: 'promiseToPay', minScore: 0.6 }, next: 'promise' },
        { match: { postcode: true }, next: 'where' },
      ],
      fallback: 'other',
    },
    { id: 'promise', kind: 'message', text: '<<answer>> at <<answer_score>>', next: 'done' },
    { id: 'agent', kind: 'message', text: 'An adviser will call.', next: 'done' },
    { id: 'where', kind: 'message', text: 'Postcode <<answer>>', next: 'done' },
    { id: 'other', kind: 'message', text: 'Noted.', next: 'done' },
    { id: 'done', kind: 'end' },
  ],
  { intents: { promiseToPay: { en: replies.promiseToPay.en }, cantPay: { en: replies.cantPay.en } } },
);
const ctx = { ...ctxAt('2026-03-10T12:00:00Z'), model: JSON.stringify(trainJourney(journey)) };

describe('an ask step that reads intents', () => {
  it('when a reply promises to pay, then it tells the workflow the intent and saves it with its score', () => {
    const played = play(journey, ctx, [{ kind: 'reply', text: 'ill pay it friday' }]);
    const understood = played.actions.find((a) => a.kind === 'understood');
    expect(understood).toEqual({ kind: 'understood', stepId: 'q', intent: 'promiseToPay', score: expect.any(Number) });
    expect(played.sends.at(-1)).toBe(`promiseToPay at ${(understood as { score: number }).score}`);
  });

  it('when a reply is very negative, then the sentiment branch comes first', () => {
    const played = play(journey, ctx, [{ kind: 'reply', text: 'ill pay it friday', sentiment: -0.9 }]);
    expect(played.sends.at(-1)).toBe('An adviser will call.');
  });

  it('when a reply gives a postcode, then the intent is still told but the postcode is saved', () => {
    const played = play(journey, ctx, [{ kind: 'reply', text: 'my postcode is sw1a 1aa' }]);
    expect(played.actions.some((a) => a.kind === 'understood')).toBe(true);
    expect(played.sends.at(-1)).toBe('Postcode SW1A 1AA');
  });

  it('when the version has no model, then no intent matches and nothing is told', () => {
    const played = play(journey, ctxAt('2026-03-10T12:00:00Z'), [{ kind: 'reply', text: 'ill pay it friday' }]);
    expect(played.actions.some((a) => a.kind === 'understood')).toBe(false);
    expect(played.sends.at(-1)).toBe('Noted.');
  });
});
