import { ApplicationFailure } from '@temporalio/common';
import { ConfigurationError, ContactStoppedError, PermanentSendError, ThrottledError } from './errors';

/** Send errors that end the message as failed; no retry will cure them. */
export const isFinalSendError = (err: unknown): err is PermanentSendError | ContactStoppedError | ConfigurationError =>
  err instanceof PermanentSendError || err instanceof ContactStoppedError || err instanceof ConfigurationError;

/**
 * A provider's send error as Temporal should retry it: throttled after the
 * provider's delay, final ones never (whatever the caller's retry policy
 * lists), and the rest (RetryableSendError, a network error) with the policy's backoff.
 */
export function sendFailure(err: unknown): unknown {
  if (err instanceof ThrottledError) {
    return ApplicationFailure.create({ type: err.name, message: err.message, nextRetryDelay: err.retryAfterMs, cause: err });
  }
  if (isFinalSendError(err)) return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true, cause: err });
  return err;
}
