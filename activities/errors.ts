// Error classes whose names appear in workflows' nonRetryableErrorTypes.
export { ConfigurationError, ContactStoppedError, PermanentSendError, RetryableSendError, ThrottledError } from '../channels/errors';

export { NotFoundError } from '../platform/errors';
