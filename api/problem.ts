import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError, type z } from 'zod';
import { isDatabaseUnavailable } from '../db/database';
import {
  ConflictError,
  DataKeyDestroyedError,
  DomainError,
  type FieldError,
  InvalidInputError,
  NotFoundError,
  UnknownReferenceError,
} from '../platform/errors';

const GRPC_UNAVAILABLE = 14;
const RETRY_AFTER_SECONDS = '5';

export type { FieldError };

/** An HTTP error answered as application/problem+json (RFC 9457). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    cause?: unknown,
  ) {
    super(detail ?? title, { cause });
  }
}

export const notFound = (what: string) => new HttpError(404, 'Not Found', `${what} not found`);

export function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

export function validationError(err: ZodError, where = 'body'): HttpError {
  const errors = err.issues.flatMap((issue) => {
    const base = fieldPath(issue.path);
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ field: base ? `${base}.${k}` : k, message: 'unknown field' }));
    return [{ field: base || where, message: issue.message }];
  });
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new HttpError(400, 'Invalid request', detail, errors);
}

/** Parses with zod, turning a failure into a 400 that names each field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where = 'body'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

export function sendProblem(res: Parameters<RequestHandler>[1], err: HttpError): void {
  res
    .status(err.status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title: err.title, status: err.status, detail: err.detail, ...(err.errors ? { errors: err.errors } : {}) });
}

/** The HTTP answer to a domain error: the one place they meet HTTP. */
export function problemFor(err: DomainError): HttpError {
  if (err instanceof NotFoundError) return new HttpError(404, 'Not Found', err.message);
  if (err instanceof UnknownReferenceError)
    return new HttpError(422, 'Unknown reference', err.message, [{ field: err.field, message: `no such ${err.what}` }]);
  if (err instanceof InvalidInputError) return new HttpError(400, err.title, err.message, err.errors);
  if (err instanceof ConflictError) return new HttpError(409, 'Conflict', err.message);
  if (err instanceof DataKeyDestroyedError) return new HttpError(410, 'Gone', err.message);
  return new HttpError(500, 'Internal Server Error', 'an unexpected error occurred', undefined, err);
}

export const notFoundHandler: RequestHandler = (req, _res, next) =>
  next(new HttpError(404, 'Not Found', `no route for ${req.method} ${req.path}`));

export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (thrown, _req, res, _next) => {
    const err = thrown instanceof DomainError ? problemFor(thrown) : thrown;
    if (err instanceof HttpError) {
      if (err.status >= 500) log.error({ err: err.cause ?? err }, err.title);
      return sendProblem(res, err);
    }
    if (err instanceof ZodError) return sendProblem(res, validationError(err));
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') return sendProblem(res, new HttpError(400, 'Malformed JSON', 'the request body is not valid JSON'));
    if (type === 'entity.too.large') {
      const limit = (err as { limit?: number }).limit;
      return sendProblem(
        res,
        new HttpError(
          413,
          'Payload Too Large',
          limit ? `the request body is over the limit of ${limit} bytes` : 'the request body is over the size limit',
        ),
      );
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported')
      return sendProblem(res, new HttpError(415, 'Unsupported Media Type', String(err.message)));
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) return sendProblem(res, new HttpError(status, 'Bad Request', String(err.message)));
    if ((err as { name?: string }).name === 'ServiceError' || (err as { code?: number }).code === GRPC_UNAVAILABLE) {
      log.error({ err }, 'workflow engine unavailable');
      return sendProblem(res, new HttpError(503, 'Service Unavailable', 'the workflow engine is unavailable; try again'));
    }
    if (isDatabaseUnavailable(err)) {
      log.error({ err }, 'database unavailable');
      res.set('Retry-After', RETRY_AFTER_SECONDS);
      return sendProblem(res, new HttpError(503, 'Service Unavailable', 'the database is unavailable; try again'));
    }
    log.error({ err }, 'unhandled error');
    sendProblem(res, new HttpError(500, 'Internal Server Error', 'an unexpected error occurred'));
  };
}
