import { sentimentOf } from '../../../platform/sentiment';

describe('sentiment of inbound messages', () => {
  it.each([
    'this is absolutely terrible, worst service ever',
    'you are useless and I am furious',
    'stop harassing me you idiots',
    'I am not happy at all',
    'no estoy contento, es horrible',
    "c'est nul, je suis furieux",
  ])('"%s" is negative', async (text) => expect(await sentimentOf(text)).toBeLessThan(-0.3));

  it.each(['thanks so much, that is great', 'great thanks 👍', "merci beaucoup, c'est parfait", 'go raibh maith agat'])(
    '"%s" is positive',
    async (text) => expect(await sentimentOf(text)).toBeGreaterThan(0.3),
  );

  it.each(['I can pay on Friday', 'my postcode is SW1A 1AA', '12/12'])('"%s" is neutral', async (text) =>
    expect(await sentimentOf(text)).toBe(0),
  );

  it('stays within -1..1 and is the same every time', async () => {
    const text = 'awful awful awful terrible horrible disgusting hate hate hate';
    const score = await sentimentOf(text);
    expect(score).toBeGreaterThanOrEqual(-1);
    expect(await sentimentOf(text)).toBe(score);
  });
});
