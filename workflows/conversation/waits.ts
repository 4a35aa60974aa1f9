import { ActivityFailure, ApplicationFailure, condition, isCancellation, patched } from '@temporalio/workflow';
import type { EnrichResult } from '../../activities/enrichment';
import { NON_RETRYABLE } from '../contracts';
import type { Input, Wait } from '../journey/types';
import { ENRICH_ATTEMPTS_CAP, enrichActs, local } from './proxies';
import { setPhase } from './actions';
import type { Conversation } from './state';

const ENRICH_RETRY_MS = 60_000;
const ENRICH_RETRY_MAX_MS = 3_600_000;

/** Waits as the interpreter asked; returns the input that ended the wait, or undefined when closed. */
export async function awaitInput(c: Conversation, wait: Wait, since: number): Promise<Input | undefined> {
  if (wait.kind !== 'enrich') c.enrichFailed = { stepId: '', count: 0 };
  if (wait.kind === 'reply') {
    c.inbox.splice(0, since); // what came before the prompt is no answer to it
    await setPhase(c, 'waiting_reply');
    const got = await condition(() => c.inbox.length > 0 || !!c.closed || c.handoff, wait.timeoutMs);
    if (c.closed) return undefined;
    if (c.handoff) return awaitHandback(c);
    if (!got) return { kind: 'timeout' };
    const reply = c.inbox.shift()!;
    c.lastReplyId = reply.messageId;
    return { kind: 'reply', text: reply.text, sentiment: reply.sentiment };
  }
  if (wait.kind === 'until') {
    await setPhase(c, 'waiting_time');
    await condition(() => !!c.closed, Math.max(0, wait.at - Date.now()));
    return c.closed ? undefined : { kind: 'timer' };
  }
  if (wait.kind === 'enrich') return awaitEnrichment(c, wait);
  if (wait.kind === 'handoff') return awaitHandback(c);
  return undefined;
}

async function awaitEnrichment(c: Conversation, wait: Extract<Wait, { kind: 'enrich' }>): Promise<Input | undefined> {
  await setPhase(c, 'enriching');
  // A step without onError retries a failed enrichment: back off rather than spin.
  const failures = c.enrichFailed.stepId === wait.stepId ? c.enrichFailed.count : 0;
  if (failures > 0) {
    await condition(() => !!c.closed, Math.min(ENRICH_RETRY_MS * 2 ** (failures - 1), ENRICH_RETRY_MAX_MS));
    if (c.closed) return undefined;
  }
  // The values are cached for the conversation: a field asked for again is not fetched again.
  const cache = patched('enrich-cache') ? (c.run.enriched ??= {}) : undefined;
  const wanted = cache ? wait.fields.filter((f) => !(f in cache)) : wait.fields;
  if (cache && wanted.length === 0) return { kind: 'enriched', values: pick(cache, wait.fields) };
  const result = await enrich(c, wanted);
  if (!result) return undefined;
  if (cache && result.ok) {
    for (const [k, v] of Object.entries(result.values)) if (typeof v === 'string') cache[k] = v;
    return { kind: 'enriched', values: { ...result.values, ...pick(cache, wait.fields) } };
  }
  c.enrichFailed = { stepId: wait.stepId, count: result.ok ? 0 : failures + 1 };
  // Without onError the step waits to retry: say why, once per run of failures.
  const onError = c.ctx.journey.steps.some((s) => s.id === wait.stepId && s.kind === 'enrich' && s.onError);
  if (!result.ok && failures === 0 && !onError && patched('enrich-failure-note')) {
    await local.updateConversation({ conversationId: c.id, note: `Enrichment failed at "${wait.stepId}": ${result.reason}; will retry` });
  }
  return result.ok ? { kind: 'enriched', values: result.values } : { kind: 'enrichFailed', reason: result.reason };
}

const pick = (from: Record<string, string>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in from).map((k) => [k, from[k]]));

// At least this long between asks of an open breaker, whatever the clocks of the database and the worker say.
const BREAKER_MIN_WAIT_MS = 1_000;

/**
 * An enrichment; while the org's circuit breaker is open the conversation waits on a durable timer until it may
 * ask again, so an endpoint that is down holds conversations back instead of failing them. Undefined when closed.
 * No patch is needed: only the breaker answers with `retryAt`, and no history before it holds such an answer.
 */
async function enrich(c: Conversation, fields: string[]): Promise<EnrichResult | undefined> {
  for (;;) {
    const result = await enrichOnce(c, fields);
    if (result.ok || result.retryAt === undefined) return result;
    await condition(() => !!c.closed, Math.max(BREAKER_MIN_WAIT_MS, Date.parse(result.retryAt) - Date.now()));
    if (c.closed) return undefined;
  }
}

/** One enrichment; a failure the activity gives up on becomes a failed step, not a failed conversation. */
async function enrichOnce(c: Conversation, fields: string[]): Promise<EnrichResult> {
  try {
    return await enrichActs.enrich({ conversationId: c.id, fields });
  } catch (err) {
    if (!(err instanceof ActivityFailure) || !err.cause || isCancellation(err)) throw err;
    const given = err.cause instanceof ApplicationFailure && err.cause.type === NON_RETRYABLE.enrichmentFailed;
    return { ok: false, reason: given ? err.cause.message : `${err.cause.message} after ${ENRICH_ATTEMPTS_CAP} attempts` };
  }
}

async function awaitHandback(c: Conversation): Promise<Input | undefined> {
  c.handoff = true;
  c.handback = undefined;
  await setPhase(c, 'handoff');
  await condition(() => !!c.closed || !!c.handback);
  const back = c.handback as { stepId?: string } | undefined;
  c.handoff = false;
  c.inbox.length = 0;
  return c.closed ? undefined : { kind: 'handback', stepId: back?.stepId };
}
