import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { isVisitorToken, newVisitorToken, visitorAddress, webchat, webchatConfig } from '../../channels/webchat';
import { getChannelById } from '../../db/channels';
import { appendWebchatEvent, webchatEventsAfter } from '../../db/webchat';
import type { ApiDeps } from '../deps';
import { receiveInbound } from '../inbound';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import { unstorable } from '../storable';
import { WebchatListener } from '../webchat-listener';
import { widgetCsp, widgetPage } from './webchat-page';

export const VISITOR_COOKIE = 'parley_visitor';
const HEARTBEAT_MS = 25_000;
const MAX_STREAMS_PER_VISITOR = 5;
const REPLAY_PAGE = 200;
const RECONNECT_AFTER_MS = 3000;

export const webchatMessageSchema = z.strictObject({
  text: z.string().trim().min(1).max(4000),
  id: z.uuid().optional(),
});
const afterQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,18}$/, 'must be an event id')
    .optional(),
});

const cookieValue = (req: Request, name: string) =>
  req.headers.cookie
    ?.split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === name)?.[1];

/**
 * Web chat, outside /v1: the visitor is whoever holds the cookie this page
 * issued. They post messages and read an event stream (SSE) of their own
 * messages and the business's answers, resumed from Last-Event-ID.
 */
export function webchatRouter(deps: ApiDeps): Router {
  const { db, config } = deps;
  const router = Router();
  const listener = new WebchatListener(config.DATABASE_URL ?? '', db, deps.log);
  const secure = config.PUBLIC_URL?.startsWith('https:') ?? false;
  const ownOrigin = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : undefined;
  // A proxy may serve the API under a path (PUBLIC_URL https://example.com/parley): the cookie's path includes it.
  const pathPrefix = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).pathname.replace(/\/+$/, '') : '';

  const channelFor = async (raw: string | string[] | undefined) => {
    const channel = await getChannelById(db, pathId(raw, 'web chat'));
    if (channel?.kind !== 'webchat') throw notFound('web chat');
    return channel;
  };

  // A request from another site, or from a page that is not ours, is not the visitor's.
  const fromOwnPage = (req: Request) => {
    if (req.get('sec-fetch-site') === 'cross-site') return false;
    const origin = req.get('origin');
    if (origin === undefined) return true;
    if (!URL.canParse(origin)) return false;
    return ownOrigin ? origin === ownOrigin : new URL(origin).host === req.get('host');
  };

  const visitor = (req: Request, channelId: string) => {
    const token = cookieValue(req, VISITOR_COOKIE);
    if (!isVisitorToken(token)) throw new HttpError(401, 'Unauthorized', 'no visitor cookie: open the chat page first');
    if (!fromOwnPage(req)) throw new HttpError(403, 'Forbidden', 'requests must come from the chat page');
    return visitorAddress(deps.hashKey, channelId, token);
  };

  router.get('/:channelId', async (req, res) => {
    const channel = await channelFor(req.params.channelId);
    // The cookie's path is the canonical (lower-case) one, so the page must be too.
    if (req.params.channelId !== channel.id) return res.redirect(308, `${pathPrefix}${req.baseUrl}/${channel.id}`);
    const settings = webchatConfig(channel.config);
    if (!isVisitorToken(cookieValue(req, VISITOR_COOKIE))) {
      // Over https the cookie must also work inside another site's iframe: SameSite=None, partitioned by that site (CHIPS).
      const site = secure ? 'SameSite=None; Secure; Partitioned' : 'SameSite=Lax';
      res.append(
        'Set-Cookie',
        `${VISITOR_COOKIE}=${newVisitorToken()}; Path=${pathPrefix}${req.baseUrl}/${channel.id}; HttpOnly; ${site}; Max-Age=31536000`,
      );
    }
    res
      .set({
        'Content-Security-Policy': widgetCsp(settings.allowedOrigins),
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
        'X-Content-Type-Options': 'nosniff',
      })
      .type('html')
      .send(widgetPage({ title: settings.title ?? channel.name, welcome: settings.welcome }));
  });

  // JSON only: a cross-site form cannot send it without a CORS preflight, which this API never grants.
  const json = [
    (req: Request, _res: Response, next: NextFunction) =>
      next(req.is('application/json') ? undefined : new HttpError(415, 'Unsupported Media Type', 'the body must be application/json')),
    express.json({ limit: '16kb' }),
  ];

  router.post('/:channelId/messages', json, async (req: Request, res: Response) => {
    const channel = await channelFor(req.params.channelId);
    const address = visitor(req, channel.id);
    const body = parse(webchatMessageSchema, req.body);
    const flaws = unstorable(body, 'body');
    if (flaws.length) throw new HttpError(400, 'Invalid request', flaws.map((e) => `${e.field}: ${e.message}`).join('; '), flaws);
    const providerMessageId = `${address}/${body.id ?? randomUUID()}`;
    // Shown on the visitor's pages before the bot can answer it, so the answer never comes first.
    await appendWebchatEvent(db, {
      channelId: channel.id,
      visitorId: address,
      idempotencyKey: `in:${channel.id}:${providerMessageId}`,
      author: 'visitor',
      body: body.text,
    });
    const result = await receiveInbound(deps, {
      orgId: channel.org_id,
      channelId: channel.id,
      channelKind: webchat.kind,
      address,
      text: body.text,
      providerMessageId,
    });
    res.status(result.duplicate ? 200 : 202).json({ duplicate: result.duplicate });
  });

  router.get('/:channelId/events', async (req, res) => {
    const channel = await channelFor(req.params.channelId);
    const address = visitor(req, channel.id);
    const lastEventId = req.get('last-event-id') || undefined;
    const after = lastEventId
      ? parse(afterQuery, { after: lastEventId }, 'Last-Event-ID').after
      : parse(afterQuery, req.query, 'query').after;
    if (listener.openStreams(channel.id, address) >= MAX_STREAMS_PER_VISITOR)
      throw new HttpError(429, 'Too Many Requests', `at most ${MAX_STREAMS_PER_VISITOR} open chat streams per visitor`);
    await stream(res, channel.id, address, after ?? '0');
  });

  async function stream(res: Response, channelId: string, address: string, from: string) {
    let sent = from;
    let reading = false;
    let again = false;
    let closed = false;

    const drain = async () => {
      for (;;) {
        const rows = await webchatEventsAfter(db, channelId, address, sent, REPLAY_PAGE);
        if (closed) return;
        for (const r of rows) {
          const data = JSON.stringify({ id: r.seq, author: r.author, text: r.body, at: r.created_at });
          res.write(`id: ${r.seq}\nevent: message\ndata: ${data}\n\n`);
          sent = r.seq;
        }
        if (rows.length < REPLAY_PAGE) return;
      }
    };
    const wake = () => {
      again = true;
      if (reading || closed) return;
      reading = true;
      void (async () => {
        try {
          while (again && !closed) {
            again = false;
            await drain();
          }
        } catch (err) {
          deps.log.warn({ err }, 'web chat: reading events failed');
          res.end();
        } finally {
          reading = false;
        }
      })();
    };

    let unsubscribe = () => {};
    const heartbeat = setInterval(() => {
      if (res.headersSent) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    const stop = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      deps.closing?.removeEventListener('abort', end);
    };
    const end = () => {
      stop();
      res.end();
    };
    res.on('close', stop);
    deps.closing?.addEventListener('abort', end);
    try {
      // Listening before the first read: an event stored in between wakes us, so none falls between replay and live.
      const subscribed = await listener.subscribe(channelId, address, wake);
      if (closed) subscribed();
      else unsubscribe = subscribed;
    } catch (err) {
      stop();
      throw err;
    }
    if (closed) return;

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(`retry: ${RECONNECT_AFTER_MS}\n\n`);
    if (deps.closing?.aborted) return end();
    wake();
  }

  return router;
}
