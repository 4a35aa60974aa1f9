import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/database';
import { queueStats } from '../db/inbound-queue';
import { conversationsByStatus } from '../db/stats';
import type { ConversationStatus } from '../db/tables/conversation.table';
import { HttpError } from './problem';

// Every state always has a series (0 when none), so a new state is a type error here rather than a missing line.
const STATES = Object.keys({ pending: 0, active: 0, handoff: 0, ended: 0, skipped: 0, cancelled: 0 } satisfies Record<
  ConversationStatus,
  0
>);
const COUNTS_CACHE_MS = 5_000;

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export interface ApiMetrics {
  registry: Registry;
  /** Times every request, labelled by route template. */
  timing: RequestHandler;
  /** GET /metrics in the Prometheus text format. */
  endpoint: RequestHandler;
}

/**
 * The API's Prometheus metrics: request latency by method, route template and
 * status class, conversations by state, and the process's own. Labels carry no
 * ids and no organisation: only templates, states and classes.
 */
export function apiMetrics(db: Db, opts: { token?: string; log: { error: (obj: object, msg: string) => void } }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const latency = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'API request latency, by method, route template ("unmatched" when no route matched) and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [registry],
  });

  let counts: { at: number; value: Promise<Map<string, number>> } | undefined;
  new Gauge({
    name: 'parley_conversations',
    help: 'Conversations by state, over all organisations (counted at most every 5 s)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      // Scrapes within the cache window share one query, so several scrapers cost one count.
      if (!counts || Date.now() - counts.at > COUNTS_CACHE_MS) counts = { at: Date.now(), value: conversationsByStatus(db) };
      const current = counts;
      try {
        const byState = await current.value;
        for (const state of STATES) this.set({ state }, byState.get(state) ?? 0);
      } catch (err) {
        if (counts === current) counts = undefined;
        // Better no series than stale ones; the rest of the scrape still answers.
        this.reset();
        opts.log.error({ err }, 'counting conversations for /metrics failed');
      }
    },
  });

  // Acknowledged inbound messages not yet routed: a growing depth or age means the relay is behind or failing.
  const queueGauge = (name: string, help: string, pick: (s: Awaited<ReturnType<typeof queueStats>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set(pick(await queueStats(db)));
        } catch (err) {
          // An unlabelled gauge always shows a value: NaN says "unknown", where 0 would say "no backlog".
          this.set(NaN);
          opts.log.error({ err }, 'reading the inbound queue for /metrics failed');
        }
      },
    });
  queueGauge(
    'parley_inbound_queue_depth',
    'Inbound messages stored and acknowledged but not yet routed to their conversations',
    (s) => s.depth,
  );
  queueGauge(
    'parley_inbound_queue_oldest_seconds',
    'Age of the oldest inbound message not yet routed (0 when none)',
    (s) => s.oldestSeconds,
  );

  const timing: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    let route = 'unmatched';
    captureRoute(req, (template) => (route = template));
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      latency.observe({ method: req.method, route, status_class: `${Math.floor(res.statusCode / 100)}xx` }, seconds);
    });
    next();
  };

  const expected = opts.token === undefined ? undefined : digest(opts.token);
  const endpoint: RequestHandler = async (req, res) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (expected && !(token !== undefined && timingSafeEqual(digest(token), expected))) {
      res.set('www-authenticate', 'Bearer');
      throw new HttpError(401, 'Unauthorized', 'send Authorization: Bearer <METRICS_TOKEN>');
    }
    res.type(registry.contentType).send(await registry.metrics());
  };

  return { registry, timing, endpoint };
}

/**
 * Reports the full template (mount path plus route path) when the router
 * matches a route. Express puts baseUrl back when an error leaves a router, so
 * by the time the answer is sent it is too late to read. Every mount path in
 * app.ts is a fixed string, so a template holds no ids.
 */
function captureRoute(req: Request, report: (template: string) => void): void {
  let route: Request['route'];
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: Request['route']) => {
      route = value;
      if (typeof value?.path === 'string') report((req.baseUrl + value.path).replace(/(.)\/$/, '$1'));
    },
  });
}
