import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database';
import { claimKey, findKey, purgeExpiredKeys, releaseKey, saveAnswer } from '../db/idempotency';
import { caller } from './auth';
import { HttpError, parse } from './problem';

const keySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'expected 1–200 visible ASCII characters');

/** JSON with object keys sorted, so that the same body hashes the same however it was written. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const conflict = (message: string, status = 422) =>
  new HttpError(status, status === 409 ? 'Conflict' : 'Idempotency-Key reused', `Idempotency-Key: ${message}`, [
    { field: 'Idempotency-Key', message },
  ]);

/**
 * Makes a POST safe to retry with an `Idempotency-Key` header. The key is claimed
 * by a unique insert before the handler runs, so a concurrent duplicate cannot
 * start a second campaign or conversation: it gets a 409 while the first is in
 * flight. A successful answer is kept for `ttlHours` and replayed to the same key
 * and body; the same key with another request is a 422. A refused or failed
 * request releases the key and keeps nothing.
 */
export function idempotent(db: Db, ttlHours: number, handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    const header = req.get('idempotency-key');
    if (header === undefined) return handler(req, res);
    const key = parse(keySchema, header, 'Idempotency-Key');
    const { orgId } = caller(req);
    const request = `${req.method} ${(req.baseUrl + req.path).replace(/\/$/, '')}`;
    const hash = createHash('sha256')
      .update(`${request}\n${canonical(req.body)}`)
      .digest('hex');

    const ref = { orgId, key };
    await purgeExpiredKeys(db, orgId, ttlHours);
    if (!(await claimKey(db, { ...ref, request, hash }))) {
      const first = await findKey(db, ref);
      if (!first) throw conflict('the first request with this key has just finished or failed; retry', 409);
      if (first.request !== request || first.request_hash !== hash) throw conflict('already used for a different request; use a new key');
      if (first.status === null || first.response === null)
        throw conflict('a request with this key is still in progress; retry later', 409);
      if (first.location) res.location(first.location);
      res.status(first.status).set('Idempotent-Replayed', 'true').type('application/json').send(first.response);
      return;
    }

    const release = () => releaseKey(db, ref);
    const send = res.json.bind(res);
    let answer: { body: unknown } | undefined;
    res.json = (body: unknown) => {
      answer = { body };
      return res;
    };
    try {
      await handler(req, res);
    } catch (err) {
      res.json = send;
      await release();
      throw err;
    }
    res.json = send;
    if (!answer) return void (await release());
    if (res.statusCode >= 200 && res.statusCode < 300) {
      await saveAnswer(db, ref, { status: res.statusCode, location: res.get('location') ?? null, response: JSON.stringify(answer.body) });
    } else {
      await release();
    }
    send(answer.body);
  };
}
