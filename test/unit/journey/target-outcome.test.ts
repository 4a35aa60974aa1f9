import { validateJourney } from '../../../workflows/journey';

const journey = (targetOutcome: string) => ({
  name: 'J',
  start: 'a',
  targetOutcome,
  steps: [
    { id: 'a', kind: 'setOutcome', outcome: 'Promise to pay', next: 'b' },
    { id: 'b', kind: 'end', outcome: 'Done' },
  ],
});

describe('targetOutcome', () => {
  it('when it is an outcome a step sets, then the journey is accepted', () => {
    expect(validateJourney(journey('Promise to pay')).ok).toBe(true);
  });
  it('when no step sets it, then the error names targetOutcome and the outcomes there are', () => {
    expect(validateJourney(journey('Paid'))).toEqual({
      ok: false,
      errors: [{ path: 'targetOutcome', message: '"Paid" is not an outcome of this journey; expected one of "Promise to pay", "Done"' }],
    });
  });
});
