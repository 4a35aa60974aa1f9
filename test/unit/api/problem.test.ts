import { problemFor } from '../../../api/problem';
import { ConflictError, InvalidInputError, NotFoundError, UnknownReferenceError } from '../../../platform/errors';
import { normaliseContacts } from '../../../platform/contacts';

describe('domain errors as problem+json', () => {
  it.each([
    ['not found', new NotFoundError('campaign'), { status: 404, title: 'Not Found', detail: 'campaign not found', errors: undefined }],
    [
      'an unknown reference',
      new UnknownReferenceError('channelId', 'channel'),
      {
        status: 422,
        title: 'Unknown reference',
        detail: 'channelId: no such channel',
        errors: [{ field: 'channelId', message: 'no such channel' }],
      },
    ],
    [
      'invalid input',
      new InvalidInputError('Invalid request', [{ field: 'outcome', message: 'unknown outcome' }]),
      {
        status: 400,
        title: 'Invalid request',
        detail: 'outcome: unknown outcome',
        errors: [{ field: 'outcome', message: 'unknown outcome' }],
      },
    ],
    [
      'a conflict',
      new ConflictError('campaign is completed'),
      { status: 409, title: 'Conflict', detail: 'campaign is completed', errors: undefined },
    ],
  ])('when the error is %s, then the answer is the same as before', (_name, err, expected) => {
    const http = problemFor(err);
    expect({ status: http.status, title: http.title, detail: http.detail, errors: http.errors }).toEqual(expected);
  });

  it('when contacts hold bad addresses, then the error names each row and maps to a 400 "Invalid contacts"', () => {
    let thrown: unknown;
    try {
      normaliseContacts('sandbox', 'GB', [{ address: '07911 123456' }, { address: '12' }, { address: ' ' }]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    const http = problemFor(thrown as InvalidInputError);
    expect(http.status).toBe(400);
    expect(http.title).toBe('Invalid contacts');
    expect(http.detail).toBe('2 contact(s) rejected; contacts[1].address is not a valid phone number; contacts[2].address is empty');
    expect(http.errors).toEqual([
      { field: 'contacts[1].address', message: 'is not a valid phone number' },
      { field: 'contacts[2].address', message: 'is empty' },
    ]);
  });

  it('when an activity throws NotFoundError, then its name is still the one workflows treat as non-retryable', () => {
    expect(new NotFoundError('conversation x').name).toBe('NotFoundError');
  });
});
