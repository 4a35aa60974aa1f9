// Typed send errors. The names of the permanent ones are the workflows' nonRetryableErrorTypes.
import { NON_RETRYABLE } from '../workflows/contracts';

/** The provider refused the message for good (bad number, outside the 24-hour window...). */
export class PermanentSendError extends Error {
  override name = NON_RETRYABLE.permanentSend;
}

/** The person opted out of this channel; record it and never retry. */
export class ContactStoppedError extends Error {
  override name = NON_RETRYABLE.contactStopped;
}

/** The channel is misconfigured (bad token); retrying will not help. */
export class ConfigurationError extends Error {
  override name = NON_RETRYABLE.configuration;
}

/** The provider asked us to slow down: retry after `retryAfterMs`. */
export class ThrottledError extends Error {
  override name = 'ThrottledError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** A passing failure at the provider (maintenance, a 5xx): retry with backoff. */
export class RetryableSendError extends Error {
  override name = 'RetryableSendError';
}
