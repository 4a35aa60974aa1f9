// Error classes whose names appear in workflows' nonRetryableErrorTypes.

/** The provider refused the message for good (bad number, outside the 24-hour window...). */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

/** The person opted out of this channel; record it and never retry. */
export class ContactStoppedError extends Error {
  override name = 'ContactStoppedError';
}

/** The channel is misconfigured (bad token); retrying will not help. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
