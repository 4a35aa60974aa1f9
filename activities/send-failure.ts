import { ApplicationFailure } from '@temporalio/common';
import { ConfigurationError, ContactStoppedError, PermanentSendError, RetryableSendError, ThrottledError } from './errors';

// A provider's passing failure is tried again within this long at most: waits for the send rate count as
// attempts too, and the policy's doubling would otherwise leave a message minutes behind after a short storm.
export const RETRYABLE_MAX_DELAY_MS = 30_000;

/** Send errors that end the message as failed; no retry will cure them. */
export const isFinalSendError = (err: unknown): err is PermanentSendError | ContactStoppedError | ConfigurationError =>
  err instanceof PermanentSendError || err instanceof ContactStoppedError || err instanceof ConfigurationError;

/**
 * A provider's send error as Temporal should retry it: throttled after the
 * provider's delay, final ones never (whatever the caller's retry policy
 * lists), a provider's passing failure after a doubling delay of at most 30 s, and the rest
 * (a network error, the database) with the policy's backoff.
 */
export function sendFailure(err: unknown, attempt = 1): unknown {
  if (err instanceof ThrottledError) {
    return ApplicationFailure.create({ type: err.name, message: err.message, nextRetryDelay: err.retryAfterMs, cause: err });
  }
  if (isFinalSendError(err)) return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true, cause: err });
  if (err instanceof RetryableSendError) {
    const nextRetryDelay = Math.min(1000 * 2 ** Math.max(0, attempt - 1), RETRYABLE_MAX_DELAY_MS);
    return ApplicationFailure.create({ type: err.name, message: err.message, nextRetryDelay, cause: err });
  }
  return err;
}
