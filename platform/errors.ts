import { NON_RETRYABLE } from '../workflows/contracts';

// Domain errors: what went wrong in business terms. api/problem.ts maps them to HTTP in one place;
// a worker sees them by name (NotFoundError is in workflows' nonRetryableErrorTypes).

export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {}

/** Something looked up by id does not exist (or belongs to another organisation). */
export class NotFoundError extends DomainError {
  override name = NON_RETRYABLE.notFound;
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}

/** Input that cannot be accepted, naming each failing field. */
export class InvalidInputError extends DomainError {
  override name = 'InvalidInputError';
  constructor(
    readonly title: string,
    readonly errors: FieldError[],
    detail = errors.map((e) => `${e.field}: ${e.message}`).join('; '),
  ) {
    super(detail);
  }
}

/** A field names something the organisation does not have. */
export class UnknownReferenceError extends DomainError {
  override name = 'UnknownReferenceError';
  constructor(
    readonly field: string,
    readonly what: string,
  ) {
    super(`${field}: no such ${what}`);
  }
}

/** The request clashes with the current state of the thing it acts on. */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
}

/** The organisation was offboarded: its data key is destroyed, so nothing of it can be stored or read again. */
export class DataKeyDestroyedError extends DomainError {
  override name = 'DataKeyDestroyedError';
  constructor(readonly orgId: string) {
    super('this organisation was offboarded: its data key is destroyed');
  }
}
