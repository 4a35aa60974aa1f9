import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { PayloadCodec } from '@temporalio/common';
import { HttpError, parse } from '../problem';

export const payloadsSchema = z.strictObject({
  payloads: z.array(z.strictObject({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(10_000),
});
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'];

// Digests have one length whatever the token, so the comparison can neither throw nor leak the length.
const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** A request made on this machine, to a loopback name, that no proxy handed on. */
const fromThisMachine = (req: Request) =>
  LOOPBACK.has(req.socket.remoteAddress ?? '') &&
  LOOPBACK_HOST.test(req.get('host') ?? '') &&
  PROXY_HEADERS.every((h) => req.get(h) === undefined);

export interface CodecAccess {
  adminToken?: string;
  /** npm start only: without an admin token, trust fromThisMachine(). */
  devLoopback: boolean;
  corsOrigins: string[];
}

/**
 * The remote codec the Temporal UI calls to show decrypted payloads. Only for
 * platform admins: a bearer PARLEY_ADMIN_TOKEN; in the npm start dev stack
 * without one, a request from this machine. Otherwise it is disabled (404).
 */
export function codecRouter(codec: PayloadCodec, opts: CodecAccess): Router {
  const router = Router();
  const cors: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin && opts.corsOrigins.includes(origin)) {
      res.set({
        'access-control-allow-origin': origin,
        'access-control-allow-headers': 'authorization, content-type, x-namespace',
        'access-control-allow-credentials': 'true',
        vary: 'origin',
      });
    }
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  };
  router.use(cors);
  const expected = opts.adminToken === undefined ? undefined : digest(opts.adminToken);
  if (!expected && !opts.devLoopback) {
    router.use(() => {
      throw new HttpError(404, 'Not Found', 'the codec is disabled: set PARLEY_ADMIN_TOKEN to serve it');
    });
    return router;
  }
  const admin: RequestHandler = (req, res, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const ok = expected ? token !== undefined && timingSafeEqual(digest(token), expected) : fromThisMachine(req);
    if (!ok) {
      res.set('www-authenticate', 'Bearer');
      throw new HttpError(401, 'Unauthorized', 'the codec is for platform admins: send Authorization: Bearer <PARLEY_ADMIN_TOKEN>');
    }
    next();
  };
  const convert =
    (direction: 'encode' | 'decode'): RequestHandler =>
    async (req, res) => {
      const { payloads } = parse(payloadsSchema, req.body);
      const input = payloads.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        data: Buffer.from(p.data ?? '', 'base64'),
      }));
      let output;
      try {
        output = await codec[direction](input);
      } catch {
        throw new HttpError(400, 'Invalid payload', `payloads could not be ${direction}d`);
      }
      res.json({
        payloads: output.map((p) => ({
          metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
        })),
      });
    };
  router.use(admin);
  router.use(express.json({ limit: '16mb' }));
  router.post('/decode', convert('decode'));
  router.post('/encode', convert('encode'));
  return router;
}
