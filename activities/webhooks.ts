import http from 'node:http';
import https from 'node:https';
import { Context } from '@temporalio/activity';
import type { Config } from '../config';
import type { Db } from '../db/database';
import {
  type AttemptResult,
  type ClaimedDelivery,
  claimDeliveries,
  disableEndpoint,
  endpointForDelivery,
  fanOut,
  recordAttempts,
} from '../db/webhooks';
import {
  type OutboundPolicy,
  OutboundRefusedError,
  OutboundTimeoutError,
  OutboundTooLargeError,
  NETWORK_REASONS,
  guardedPost,
  configuredPolicy,
} from '../platform/outbound';
import type { SecretBox } from '../platform/secrets';
import { eventEnvelope } from '../platform/events';
import { parseRetryAfter, retryDelayMs } from '../platform/webhooks/schedule';
import { WEBHOOK_SECRET_FIELD, signatureHeaders } from '../platform/webhooks/sign';
import type { WebhookDispatchInput, WebhookDispatchStatus } from '../workflows/contracts';

export interface WebhookOptions {
  policy: OutboundPolicy;
  secrets: SecretBox;
  timeoutMs: number;
  retryDelaysS: readonly number[];
  retryScale: number;
  disableAfterMs: number;
  concurrency: number;
  /** How long one activity run delivers before it returns, so the workflow can continue as new. */
  runMs: number;
}

/** "3 days", "2 hours", "5 minutes" or "30 seconds": the largest whole unit. */
export function spanText(ms: number): string {
  for (const [unit, size] of [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ] as const) {
    if (ms >= size) {
      const n = Math.round(ms / size);
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  const s = Math.max(1, Math.round(ms / 1000));
  return `${s} second${s === 1 ? '' : 's'}`;
}

export const webhookOptions = (config: Config, secrets: SecretBox): WebhookOptions => ({
  policy: configuredPolicy(config),
  secrets,
  timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  retryDelaysS: config.WEBHOOK_RETRY_DELAYS,
  retryScale: config.WEBHOOK_RETRY_SCALE,
  disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
  concurrency: config.WEBHOOK_CONCURRENCY,
  runMs: 60_000,
});

const BODY_PREFIX_BYTES = 256;
const IDLE_POLL_MS = 50;
const LANES = 4;
const MAX_IDLE_POLL_MS = 250;
// A missing event position older than this was a rolled-back transaction, not a slow one.
const GAP_MS = 60_000;

interface Outcome {
  ok: boolean;
  status: number | null;
  body: string | null;
  error: string | null;
  retryAfterMs?: number;
  gone?: boolean;
  latencyMs: number;
}

async function post(url: string, d: ClaimedDelivery, secrets: string[], opts: WebhookOptions, agent: http.Agent): Promise<Outcome> {
  const body = JSON.stringify(eventEnvelope({ ...d, id: d.event_id, occurred_at: new Date(d.occurred_at) }));
  const headers = { 'content-type': 'application/json', ...signatureHeaders({ url, eventId: d.event_id, body, secrets, now: new Date() }) };
  const started = Date.now();
  try {
    const res = await guardedPost(url, opts.policy, body, { timeoutMs: opts.timeoutMs, maxBytes: 64 * 1024, headers, agent });
    const latencyMs = Date.now() - started;
    const prefix = res.body.subarray(0, BODY_PREFIX_BYTES).toString('utf8');
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      body: prefix,
      latencyMs,
      error: ok ? null : res.status >= 300 && res.status < 400 ? `redirect ${res.status} not followed` : `HTTP ${res.status}`,
      gone: res.status === 410,
      retryAfterMs: res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers['retry-after'], Date.now()) : undefined,
    };
  } catch (err) {
    const latencyMs = Date.now() - started;
    const e = err as NodeJS.ErrnoException;
    const error =
      err instanceof OutboundRefusedError
        ? `refused: ${e.message}`
        : err instanceof OutboundTimeoutError
          ? `timed out after ${opts.timeoutMs} ms`
          : err instanceof OutboundTooLargeError
            ? 'response too large'
            : (NETWORK_REASONS[e.code ?? ''] ?? 'network error');
    return { ok: false, status: null, body: null, error, latencyMs };
  }
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function eachLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

const keepAliveAgent = (url: string, maxSockets: number) =>
  url.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });

type Endpoint = NonNullable<Awaited<ReturnType<typeof endpointForDelivery>>>;

/** Posts a leased batch, logs every attempt, schedules retries, and disables the endpoint on 410 or lasting failure. */
async function deliverBatch(db: Db, ep: Endpoint, batch: ClaimedDelivery[], concurrency: number, opts: WebhookOptions, agent: http.Agent) {
  const secrets = [opts.secrets.open(WEBHOOK_SECRET_FIELD, ep.secret)];
  if (ep.previous_secret && ep.previous_until && ep.previous_until.getTime() > Date.now())
    secrets.push(opts.secrets.open(WEBHOOK_SECRET_FIELD, ep.previous_secret));
  const outcomes = await eachLimited(batch, concurrency, (d) => post(ep.url, d, secrets, opts, agent));
  const results: AttemptResult[] = batch.map((d, i) => {
    const o = outcomes[i];
    const delay = o.ok
      ? null
      : retryDelayMs(d.attempts, { delaysS: opts.retryDelaysS, scale: opts.retryScale, retryAfterMs: o.retryAfterMs });
    return {
      deliveryId: d.id,
      eventId: d.event_id,
      eventType: d.type,
      attempt: d.attempts,
      ok: o.ok,
      latencyMs: o.latencyMs,
      status: o.status,
      body: o.body,
      error: o.error,
      retryAt: delay === null ? null : new Date(Date.now() + delay),
    };
  });
  const failingSince = await recordAttempts(db, ep.id, results);
  if (outcomes.some((o) => o.gone)) await disableEndpoint(db, ep.id, 'the endpoint answered 410 Gone');
  else if (failingSince && Date.now() - failingSince.getTime() >= opts.disableAfterMs)
    await disableEndpoint(db, ep.id, `every attempt failed for ${spanText(opts.disableAfterMs)}`);
}

export function createWebhookActivities(deps: { db: Db; webhooks?: WebhookOptions }) {
  return {
    /**
     * Delivers an endpoint's due events for a while: copies new events into deliveries, leases a batch,
     * posts it, logs every attempt and schedules retries. The rows are the truth; a run that dies leaves
     * leased deliveries that come due again. Returns the endpoint's status (gone once deleted).
     */
    async dispatchWebhooks(input: WebhookDispatchInput): Promise<WebhookDispatchStatus> {
      const opts = deps.webhooks;
      if (!opts) throw new Error('webhook delivery is not configured on this worker');
      const ctx = Context.current();
      const { db } = deps;
      const until = Date.now() + opts.runMs;
      const beat = setInterval(() => ctx.heartbeat(), 1_000);
      const leaseMs = opts.timeoutMs * 2 + 5_000;
      const perLane = Math.max(1, Math.ceil(opts.concurrency / LANES));
      // Connections are kept for this run only, and only ever opened by guarded requests to this endpoint.
      let agent: http.Agent | undefined;
      let agentUrl: string | undefined;
      // Lanes overlap one batch's posting with another's database work; leases keep them apart.
      const lane = async (): Promise<WebhookDispatchStatus> => {
        let idle = IDLE_POLL_MS;
        while (Date.now() < until && !ctx.cancellationSignal.aborted) {
          const ep = await endpointForDelivery(db, input.endpointId);
          if (!ep) return 'gone';
          if (ep.status !== 'active') return ep.status;
          await fanOut(db, ep.id, GAP_MS);
          const batch = await claimDeliveries(db, ep.id, { ordered: ep.ordered, limit: perLane * 4, leaseMs });
          if (!batch.length) {
            await ctx.sleep(idle).catch(() => undefined);
            idle = Math.min(idle * 2, MAX_IDLE_POLL_MS);
            continue;
          }
          idle = IDLE_POLL_MS;
          if (agentUrl !== ep.url) {
            agent?.destroy();
            agent = keepAliveAgent(ep.url, opts.concurrency);
            agentUrl = ep.url;
          }
          await deliverBatch(db, ep, batch, perLane, opts, agent!);
        }
        return 'active';
      };
      try {
        const statuses = await Promise.all(Array.from({ length: LANES }, lane));
        return statuses.find((s) => s !== 'active') ?? 'active';
      } finally {
        agent?.destroy();
        clearInterval(beat);
      }
    },
  };
}
