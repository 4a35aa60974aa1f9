import { ApplicationFailure } from '@temporalio/common';
import { RETRYABLE_MAX_DELAY_MS, sendFailure } from '../../../activities/send-failure';
import { PermanentSendError, RetryableSendError, ThrottledError } from '../../../channels/errors';

describe('send errors as Temporal retries them', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [4, 8000],
    [6, RETRYABLE_MAX_DELAY_MS],
    [40, RETRYABLE_MAX_DELAY_MS],
  ])('when a provider fails for a moment on attempt %i, then the next try is %i ms later', (attempt, delay) => {
    const failure = sendFailure(new RetryableSendError('500'), attempt) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'RetryableSendError', nonRetryable: false, nextRetryDelay: delay });
  });

  it("when the provider throttles, then the next try waits for the provider's delay whatever the attempt", () => {
    expect(sendFailure(new ThrottledError('429', 2500), 9)).toMatchObject({ type: 'ThrottledError', nextRetryDelay: 2500 });
  });

  it('when the provider refuses for good, then it is never retried', () => {
    expect(sendFailure(new PermanentSendError('no such number'), 1)).toMatchObject({ type: 'PermanentSendError', nonRetryable: true });
  });

  it('when the error is not a provider answer (the database, say), then it is left to the retry policy as it is', () => {
    const err = new Error('connection refused');
    expect(sendFailure(err, 3)).toBe(err);
  });
});
