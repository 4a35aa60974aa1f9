import { spanText } from '../../../activities/webhooks';

describe('the period in a disabled endpoint’s reason', () => {
  it.each([
    [500, '1 second'],
    [30_000, '30 seconds'],
    [60_000, '1 minute'],
    [45 * 60_000, '45 minutes'],
    [3_600_000, '1 hour'],
    [5 * 3_600_000, '5 hours'],
    [3 * 86_400_000, '3 days'],
  ])('%d ms reads "%s"', (ms, text) => expect(spanText(ms)).toBe(text));
});
