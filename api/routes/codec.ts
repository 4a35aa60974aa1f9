import { timingSafeEqual } from 'node:crypto';
import express, { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { PayloadCodec } from '@temporalio/common';
import { HttpError, parse } from '../problem';

export const payloadsSchema = z.strictObject({
  payloads: z.array(z.strictObject({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(10_000),
});
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The remote codec the Temporal UI calls to show decrypted payloads. Only for
 * platform admins: a bearer PARLEY_ADMIN_TOKEN, or, when none is set (development),
 * a request from this machine.
 */
export function codecRouter(codec: PayloadCodec, opts: { adminToken?: string; corsOrigins: string[] }): Router {
  const router = Router();
  const cors: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin && opts.corsOrigins.includes(origin)) {
      res.set({ 'access-control-allow-origin': origin, 'access-control-allow-headers': 'authorization, content-type, x-namespace', 'access-control-allow-credentials': 'true', vary: 'origin' });
    }
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  };
  const admin: RequestHandler = (req, _res, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const ok = opts.adminToken
      ? !!token && token.length === opts.adminToken.length && timingSafeEqual(Buffer.from(token), Buffer.from(opts.adminToken))
      : LOOPBACK.has(req.socket.remoteAddress ?? '');
    if (!ok) throw new HttpError(403, 'Forbidden', 'the codec is for platform admins');
    next();
  };
  const convert = (direction: 'encode' | 'decode'): RequestHandler => async (req, res) => {
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
  router.use(cors);
  router.use(admin);
  router.use(express.json({ limit: '16mb' }));
  router.post('/decode', convert('decode'));
  router.post('/encode', convert('encode'));
  return router;
}
