import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config';
import { enrichmentTarget } from '../db/conversations';
import { type BreakerSettings, admitEnrichment, recordEnrichmentFailure, recordEnrichmentSuccess } from '../db/enrichment-breakers';
import type { Db } from '../db/database';
import {
  type OutboundPolicy,
  OutboundRefusedError,
  OutboundTimeoutError,
  OutboundTooLargeError,
  NETWORK_REASONS,
  guardedGet,
  configuredPolicy,
  outboundPolicy,
} from '../platform/outbound';
import { NON_RETRYABLE } from '../workflows/contracts';
import { enrichmentToken, signingSecret } from '../platform/enrichment-sign';
import type { SecretBox } from '../platform/secrets';

/** The values; or why there are none; or, while the org's circuit breaker is open, when to ask again. */
export type EnrichResult =
  | { ok: true; values: Record<string, string> }
  | { ok: false; reason: string; retryAt?: undefined }
  | { ok: false; reason: string; retryAt: string };

// Bounds on what one answer may bring into a workflow (and so into Temporal's payload limit).
export const ENRICH_MAX_BYTES = 64 * 1024;
export const ENRICH_MAX_FIELDS = 100;
export const ENRICH_MAX_VALUE_CHARS = 1_000;

/** Failure type the conversation workflow turns into a failed enrichment step. */
export const ENRICHMENT_FAILED = NON_RETRYABLE.enrichmentFailed;

export interface EnrichmentOptions {
  policy: OutboundPolicy;
  maxAttempts: number;
  timeoutMs: number;
  breaker: BreakerSettings;
  /** Opens the org's enrichment secret; without it requests go unsigned. */
  secrets?: SecretBox;
}

export const enrichmentOptions = (config: Config, secrets?: SecretBox): EnrichmentOptions => ({
  secrets,
  policy: configuredPolicy(config),
  maxAttempts: config.ENRICH_MAX_ATTEMPTS,
  timeoutMs: config.ENRICH_TIMEOUT_MS,
  breaker: {
    failures: config.ENRICH_BREAKER_FAILURES,
    openMs: config.ENRICH_BREAKER_OPEN_MS,
    probeLeaseMs: config.ENRICH_BREAKER_PROBE_LEASE_MS,
  },
});

/** A failure worth another try (5xx, 408, 429, timeout, network); the reason carries no personal data. */
class Transient extends Error {}

/** The values of the requested fields, or the reason the answer is refused for good. */
function readValues(body: Buffer, fields: string[]): Record<string, string> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'response is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'response is not a JSON object';
  const record = parsed as Record<string, unknown>;
  if (Object.keys(record).length > ENRICH_MAX_FIELDS) return `response has more than ${ENRICH_MAX_FIELDS} fields`;
  const values: Record<string, string> = {};
  for (const f of fields) {
    const v = Object.hasOwn(record, f) ? record[f] : undefined;
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return `field "${f}" is not a string, number or boolean`;
    const text = String(v);
    if (text.length > ENRICH_MAX_VALUE_CHARS) return `field "${f}" is over ${ENRICH_MAX_VALUE_CHARS} characters`;
    values[f] = text;
  }
  return values;
}

/** What the org's circuit breaker is told of each try: the endpoint answered, or it is down. */
export interface BreakerHooks {
  answered(): Promise<void>;
  down(): Promise<void>;
}

async function fetchValues(
  target: URL,
  fields: string[],
  opts: EnrichmentOptions,
  breaker?: BreakerHooks,
  headers: Record<string, string> = {},
): Promise<EnrichResult> {
  let res;
  try {
    res = await guardedGet(target, opts.policy, {
      timeoutMs: opts.timeoutMs,
      maxBytes: ENRICH_MAX_BYTES,
      headers: { ...headers, accept: 'application/json' },
    });
  } catch (err) {
    if (err instanceof OutboundRefusedError) return { ok: false, reason: `endpoint refused: ${err.message}` };
    if (err instanceof OutboundTooLargeError) return { ok: false, reason: err.message };
    if (err instanceof OutboundTimeoutError) throw new Transient(err.message);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new Transient(NETWORK_REASONS[code] ?? `request failed${code ? ` (${code})` : ''}`);
  }
  // Any answer short of a 5xx, 408 or 429 shows the endpoint is up, even a refusal.
  if (!(res.status >= 500 || res.status === 408 || res.status === 429)) await breaker?.answered();
  if (res.status === 404) return { ok: false, reason: 'not found' };
  if (res.status >= 300 && res.status < 400) return { ok: false, reason: `redirect (HTTP ${res.status}) not followed` };
  if (res.status >= 500 || res.status === 408 || res.status === 429) throw new Transient(`HTTP ${res.status}`);
  if (res.status < 200 || res.status >= 300) return { ok: false, reason: `HTTP ${res.status}` };
  const values = readValues(res.body, fields);
  return typeof values === 'string' ? { ok: false, reason: values } : { ok: true, values };
}

/**
 * One try at the endpoint. A 404 is an answer (no such customer); other
 * refusals will not change on a retry, and a transient failure is given up
 * on at the last attempt: both throw the failure the workflow turns into a failed step.
 */
export async function fetchEnrichment(
  target: URL,
  fields: string[],
  opts: EnrichmentOptions,
  attempt: number,
  breaker?: BreakerHooks,
  headers: Record<string, string> = {},
): Promise<EnrichResult> {
  try {
    const result = await fetchValues(target, fields, opts, breaker, headers);
    if (!result.ok && result.reason !== 'not found') throw ApplicationFailure.nonRetryable(result.reason, ENRICHMENT_FAILED);
    return result;
  } catch (err) {
    if (!(err instanceof Transient)) throw err;
    await breaker?.down();
    if (attempt >= opts.maxAttempts) throw ApplicationFailure.nonRetryable(`${err.message} after ${attempt} attempts`, ENRICHMENT_FAILED);
    throw ApplicationFailure.retryable(err.message, 'EnrichmentUnavailable');
  }
}

/** GETs the named fields from the org's enrichment endpoint, under the outbound policy. */
export const createEnrichmentActivities = ({ db, enrichment }: { db: Db; enrichment?: EnrichmentOptions }) => {
  const opts = enrichment ?? {
    policy: outboundPolicy([]),
    maxAttempts: 3,
    timeoutMs: 5_000,
    breaker: { failures: 5, openMs: 30_000, probeLeaseMs: 30_000 },
  };
  return {
    async enrich({ conversationId, fields }: { conversationId: string; fields: string[] }): Promise<EnrichResult> {
      const row = await enrichmentTarget(db, conversationId);
      const url = row?.settings.enrichmentUrl;
      if (!row || !url) return { ok: false, reason: 'no enrichment endpoint configured' };
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        throw ApplicationFailure.nonRetryable('endpoint refused: is not a URL', ENRICHMENT_FAILED);
      }
      // The conversation id, not the contact's internal id: the org already knows it from webhooks and the API.
      target.searchParams.set('conversationId', conversationId);
      if (row.fields.customerRef) target.searchParams.set('customerRef', row.fields.customerRef);
      target.searchParams.set('fields', fields.join(','));
      // The org's breaker decides first: while its endpoint is down, the conversation waits instead of failing.
      const admission = await admitEnrichment(db, row.org_id, new Date(), opts.breaker);
      if (admission.kind === 'wait') {
        return { ok: false, reason: 'enrichment endpoint unavailable (circuit open)', retryAt: admission.retryAt.toISOString() };
      }
      const now = new Date();
      const secret = opts.secrets ? signingSecret(row.settings, opts.secrets, now) : undefined;
      const headers: Record<string, string> = secret ? { authorization: `Bearer ${enrichmentToken(secret, url, now)}` } : {};
      return fetchEnrichment(
        target,
        fields,
        opts,
        Context.current().info.attempt,
        {
          answered: () => recordEnrichmentSuccess(db, row.org_id),
          down: async () => void (await recordEnrichmentFailure(db, row.org_id, new Date(), opts.breaker)),
        },
        headers,
      );
    },
  };
};
