import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import { type RequestLogRow, insertRequestLog } from '../db/request-log';
import type { Caller } from './auth';
import { routeFor } from './roles';

const FLUSH_MS = 1_000;
const BATCH_ROWS = 500;
// Past this many rows waiting (the database down), new ones are dropped rather than growing without bound.
const MAX_PENDING = 50_000;

export interface RequestLog {
  /** Notes every authenticated request when its response finishes. */
  middleware: RequestHandler;
  flush(): Promise<void>;
  /** Writes what is waiting: call after the server stopped taking requests. */
  stop(): Promise<void>;
}

/** Batches request log rows off the response path, written every FLUSH_MS or BATCH_ROWS. */
export function createRequestLog(db: Db, log: Logger): RequestLog {
  let pending: RequestLogRow[] = [];
  let writing = Promise.resolve();
  const flush = () => {
    writing = writing.then(async () => {
      while (pending.length) {
        const rows = pending.slice(0, BATCH_ROWS);
        try {
          await insertRequestLog(db, rows);
          pending = pending.slice(rows.length);
        } catch (err) {
          log.warn({ err, rows: rows.length }, 'writing the request log failed; retrying at the next flush');
          return;
        }
      }
    });
    return writing;
  };
  const timer = setInterval(() => void flush(), FLUSH_MS).unref();

  const middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    const at = new Date();
    // The path as routed, never req.originalUrl: no query values, and ids become :id.
    const route = routeFor(req.method, req.baseUrl + req.path)?.template ?? 'unmatched';
    res.on('finish', () => {
      const c = (req as typeof req & { caller?: Caller }).caller;
      if (!c || pending.length >= MAX_PENDING) return;
      pending.push({
        org_id: c.orgId,
        at,
        key_prefix: c.keyPrefix,
        method: req.method,
        route,
        status: res.statusCode,
        latency_ms: Math.round(performance.now() - started),
      });
      if (pending.length >= BATCH_ROWS) void flush();
    });
    next();
  };

  return {
    middleware,
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
