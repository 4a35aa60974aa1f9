/**
 * Facebook Messenger (Meta Graph API Send API): text sends to a page-scoped id (PSID), the
 * 24-hour standard messaging window with message tags outside it, the `hub.challenge`
 * handshake, `X-Hub-Signature-256`, inbound messages and postbacks, and delivery and read
 * watermarks.
 *
 * Idempotent sends. The Send API takes no idempotency key and cannot be asked what it sent, so a
 * timeout leaves the outcome unknown. As for WhatsApp, the adapter:
 * - claims a `send_attempts` row per idempotency key before calling Meta (one call per key at a time,
 *   across workers), and stores Meta's `message_id` in it on success, so a retry after a crash between
 *   Meta's answer and our commit returns that id instead of sending again;
 * - sends the key as the message's `metadata`, which Meta echoes in the page's `message_echoes`
 *   webhook event with the message's `mid`: the echo of a send whose answer we lost fills in the row;
 * - after a timeout or a dropped connection, does not send again at once: retries fail as throttled
 *   until an echo names the message (then the retry returns its id, no second send) or until
 *   `confirmWaitSeconds` (default 120 s) pass with none. Only then does it send again, accepting a
 *   possible duplicate should Meta have taken the first one yet echoed nothing in that time
 *   (or should the page not subscribe to `message_echoes`).
 * A refusal that Meta answered (any error response) clears the claim: nothing was sent.
 *
 * The window. Free text (`messaging_type: RESPONSE`) may be sent within 24 hours of the person's
 * last message; outside it only with the message tag configured for the step (`MESSAGE_TAG`).
 * Our record of the window can lag (a reply not yet routed), so when it looks shut and the step
 * has no tag, Meta decides: its refusal (10/2018278) fails the send for good with the reason.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { claimSendAttempt, dropSendAttempt, restartSendAttempt, settleSendAttempt } from '../db/send-attempts';
import { sessionContact } from '../db/session-window';
import { plainAddress } from './address';
import { ConfigurationError, PermanentSendError, RetryableSendError, ThrottledError } from './errors';
import { jsonText } from './json';
import type { AddressResult, OutboundMessage, Provider, ProviderDeps, ProviderStatus, SendResult, WebhookRequest } from './provider';
import { UnclearOutcome, metaConfigFields, metaWebhook, postGraph } from './meta';

export { SIGNATURE_HEADER } from './meta';
export { DEFAULT_API_BASE_URL } from './meta';
const MAX_TEXT = 2000;
const MAX_METADATA = 1000;
const SESSION_WINDOW_HOURS = 24;

export const MESSAGE_TAGS = ['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE', 'HUMAN_AGENT'] as const;

const pageScopedId = z.string().regex(/^\d{1,32}$/);

const configSchema = z.object({
  pageId: z.string().regex(/^\d{1,32}$/, 'must be the digits of the Facebook Page id'),
  pageAccessToken: z.string().min(1),
  /** Message tags by journey step id, used outside the 24-hour window. */
  tags: z.record(z.string(), z.enum(MESSAGE_TAGS)).default({}),
  ...metaConfigFields,
});
type Config = z.infer<typeof configSchema>;

function readConfig(config: Record<string, unknown>): Config {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success)
    throw new ConfigurationError(`the Messenger channel configuration is invalid: ${parsed.error.issues[0].path.join('.')}`);
  return parsed.data;
}

/** A PSID: the digits Meta gives the person for this page. */
export function psidAddress(raw: string): AddressResult {
  const plain = plainAddress(raw);
  if ('error' in plain) return plain;
  return pageScopedId.safeParse(plain.address).success ? plain : { error: 'is not a page-scoped id (digits)' };
}

// ---- sending ----

type Kind = 'throttled' | 'retryable' | 'permanent' | 'configuration';
/**
 * Send API errors by `code` or `code/subcode`, from Meta's tables:
 * https://developers.facebook.com/docs/messenger-platform/reference/send-api/error-codes and
 * https://developers.facebook.com/docs/messenger-platform/error-codes . Codes 200-299 are permission
 * errors (a token without `pages_messaging`): configuration. Others go by HTTP status.
 */
const CODES: Record<string, { kind: Kind; reason: string }> = {
  '4': { kind: 'throttled', reason: 'application request limit reached' },
  '32': { kind: 'throttled', reason: 'page request limit reached' },
  '613': { kind: 'throttled', reason: 'calls to the Send API exceeded the rate limit' },
  '80006': { kind: 'throttled', reason: 'Messenger rate limit reached' },
  '2': { kind: 'retryable', reason: 'temporary Graph API failure' },
  '1200': { kind: 'retryable', reason: 'temporary send message failure' },
  '551': { kind: 'permanent', reason: 'this person is not available right now' },
  '10/2018278': { kind: 'permanent', reason: "outside Messenger's 24-hour window: only a tagged message may be sent" },
  '10': { kind: 'permanent', reason: 'the page may not send this message' },
  '100/2018001': { kind: 'permanent', reason: 'no matching user found' },
  '100': { kind: 'permanent', reason: 'invalid parameter' },
  '190': { kind: 'configuration', reason: 'page access token invalid or expired' },
};
const PERMISSION = { kind: 'configuration', reason: 'the page access token lacks a permission' } as const;
const OUTSIDE_WINDOW = '10/2018278';

const errorBody = z.object({ error: z.object({ code: z.number().int(), error_subcode: z.number().int().optional() }) });
const okBody = z.object({ recipient_id: z.string().optional(), message_id: z.string().min(1) });

/** Meta refused free text outside the window: the caller may still send a tagged message. */
class OutsideWindow extends PermanentSendError {}

function retryAfterMs(header: string | null, fallback: number): number {
  if (!header) return fallback;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? fallback : Math.max(0, at - Date.now());
}

function known(code: number | undefined, subcode: number | undefined) {
  if (code === undefined) return undefined;
  const entry = CODES[`${code}/${subcode}`] ?? CODES[String(code)];
  if (entry) return { ...entry, key: CODES[`${code}/${subcode}`] ? `${code}/${subcode}` : String(code) };
  return code >= 200 && code <= 299 ? { ...PERMISSION, key: String(code) } : undefined;
}

/** The typed error for Meta's error answer, by its code (and subcode) first and the HTTP status only when the code is unknown. */
export function classifyError(status: number, body: unknown, retryAfter: string | null = null): Error {
  const parsed = errorBody.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : undefined;
  const subcode = parsed.success ? parsed.data.error.error_subcode : undefined;
  const entry = known(code, subcode);
  const named = `${code ?? ''}${subcode !== undefined ? `/${subcode}` : ''}`;
  const reason = entry ? `Messenger error ${named}: ${entry.reason}` : `Messenger error ${named || 'without a code'} (HTTP ${status})`;
  const kind: Kind =
    status === 429 ? 'throttled' : (entry?.kind ?? (status >= 500 ? 'retryable' : status === 401 ? 'configuration' : 'permanent'));
  if (entry?.key === OUTSIDE_WINDOW) return new OutsideWindow(reason);
  if (kind === 'throttled') return new ThrottledError(reason, retryAfterMs(retryAfter, 1_000));
  if (kind === 'retryable') return new RetryableSendError(reason);
  if (kind === 'configuration') return new ConfigurationError(reason);
  return new PermanentSendError(reason);
}

async function post(config: Config, body: Record<string, unknown>): Promise<string> {
  const url = `${config.apiBaseUrl}/me/messages?access_token=${encodeURIComponent(config.pageAccessToken)}`;
  const answer = await postGraph(url, { label: 'Messenger', body, timeoutMs: config.requestTimeoutMs }, okBody, classifyError);
  return answer.message_id;
}

const tagFor = (config: Config, step: string | undefined) =>
  step === undefined ? undefined : (config.tags[step] ?? config.tags[step.replace(/[@#].*$/, '')]);

async function deliver(msg: OutboundMessage, config: Config, db: ProviderDeps['db']): Promise<string> {
  if (msg.text.length > MAX_TEXT) throw new PermanentSendError(`the text is longer than Messenger's ${MAX_TEXT} characters`);
  const message = { text: msg.text, ...(msg.idempotencyKey.length <= MAX_METADATA ? { metadata: msg.idempotencyKey } : {}) };
  const tag = tagFor(config, msg.step);
  const tagged = () => {
    if (!tag) throw new PermanentSendError(`${CODES[OUTSIDE_WINDOW].reason}, and step ${msg.step ?? '(none)'} has no message tag`);
    return post(config, { recipient: { id: msg.to }, messaging_type: 'MESSAGE_TAG', tag, message });
  };
  const contact = await sessionContact(db, msg.channelId, msg.to);
  const last = contact?.lastInboundAt?.getTime();
  if (tag && (last === undefined || Date.now() - last >= SESSION_WINDOW_HOURS * 3_600_000)) return tagged();
  try {
    return await post(config, { recipient: { id: msg.to }, messaging_type: 'RESPONSE', message });
  } catch (err) {
    // Meta's word on the window wins over ours.
    if (err instanceof OutsideWindow) return tagged();
    throw err;
  }
}

async function send(msg: OutboundMessage, { db }: ProviderDeps): Promise<SendResult> {
  const config = readConfig(msg.config);
  if (!pageScopedId.safeParse(msg.to).success) throw new PermanentSendError('the address is not a page-scoped id (PSID)');
  const key = msg.idempotencyKey;
  const claim = await claimSendAttempt(db, msg.channelId, key);
  if ('providerMessageId' in claim) return { providerMessageId: claim.providerMessageId, status: 'sent' };
  if ('unresolvedForMs' in claim) {
    const waitMs = config.confirmWaitSeconds * 1000 - claim.unresolvedForMs;
    if (waitMs > 0) throw new ThrottledError('unclear whether Messenger accepted an earlier attempt: waiting for its echo', waitMs);
    await restartSendAttempt(db, key);
  }
  try {
    const id = await deliver(msg, config, db);
    await settleSendAttempt(db, msg.channelId, key, id);
    return { providerMessageId: id, status: 'sent' };
  } catch (err) {
    if (err instanceof UnclearOutcome) {
      throw new ThrottledError(`no answer from Messenger (${err.message}): waiting for the message's echo before sending again`, 1_000);
    }
    await dropSendAttempt(db, key);
    throw err;
  }
}

// ---- webhooks ----

const attachment = z.object({
  type: z.string().max(64),
  payload: z
    .object({
      url: z.string().max(4096).optional(),
      title: z.string().max(1000).optional(),
      coordinates: z.object({ lat: z.number(), long: z.number() }).optional(),
    })
    .nullish(),
});
const message = z.object({
  mid: z.string().min(1).max(512),
  text: z.string().optional(),
  is_echo: z.boolean().optional(),
  metadata: z.string().optional(),
  quick_reply: z.object({ payload: z.string() }).optional(),
  attachments: z.array(attachment).max(20).optional(),
});
const event = z.object({
  // A chat-plugin guest has a `user_ref` instead: Parley cannot answer one, so such events are skipped.
  sender: z.object({ id: z.string().max(64).optional() }),
  recipient: z.object({ id: z.string().max(64).optional() }),
  timestamp: z.number().int().nonnegative().optional(),
  message: message.optional(),
  postback: z.object({ mid: z.string().max(512).optional(), title: z.string().optional(), payload: z.string().optional() }).optional(),
  delivery: z
    .object({ mids: z.array(z.string().min(1).max(512)).max(100).optional(), watermark: z.number().int().nonnegative() })
    .optional(),
  read: z.object({ watermark: z.number().int().nonnegative() }).optional(),
});
const payload = z.object({
  object: z.literal('page'),
  entry: z.array(z.object({ id: z.string().max(64), messaging: z.array(event).max(100).default([]) })).max(100),
});
type Event = z.infer<typeof event>;

/** The events of this channel's page: an app's one webhook may carry several pages' events. */
function events(req: WebhookRequest, config?: Record<string, unknown>): Event[] {
  const body = jsonText.pipe(payload).parse(req.rawBody.toString('utf8'));
  const pageId = config && configSchema.shape.pageId.safeParse(config.pageId).data;
  return body.entry.filter((e) => !pageId || e.id === pageId).flatMap((e) => e.messaging);
}

/** Parley's text for a Messenger message: its words (a quick reply's title, else its payload) and a reference per attachment. */
export function inboundText(m: z.infer<typeof message>): string {
  const parts = [m.text ?? m.quick_reply?.payload];
  for (const a of m.attachments ?? []) {
    const c = a.payload?.coordinates;
    if (c) parts.push(`[location ${c.lat},${c.long}${a.payload?.title ? ` ${a.payload.title}` : ''}]`);
    else parts.push(`[${a.type}${a.payload?.url ? ` ${a.payload.url}` : ''}]`);
  }
  const text = parts.filter((p): p is string => !!p).join(' ');
  return text || '[message]';
}

/** A postback may come without a mid; Meta repeats the event as it was, so its sender, time and payload name it. */
const postbackId = (e: Event) =>
  e.postback?.mid ??
  `postback.${createHash('sha256')
    .update(`${e.sender.id}:${e.timestamp ?? ''}:${e.postback?.payload ?? ''}:${e.postback?.title ?? ''}`)
    .digest('hex')
    .slice(0, 40)}`;

export const messenger: Provider = {
  kind: 'messenger',
  normaliseAddress: (raw) => psidAddress(raw),
  capabilities: { confirmsStop: false, sessionWindowHours: SESSION_WINDOW_HOURS, defaultRatePerSecond: 10 },
  config: { schema: configSchema, secrets: ['pageAccessToken', 'appSecret', 'verifyToken'] },
  send,

  ...metaWebhook((config) => {
    const parsed = configSchema.safeParse(config);
    return parsed.success ? parsed.data : undefined;
  }),

  parseInbound: (req, config) => ({
    messages: events(req, config).flatMap((e) => {
      const from = e.sender.id;
      if (!from) return [];
      if (e.message && !e.message.is_echo) return [{ from, text: inboundText(e.message), providerMessageId: e.message.mid }];
      if (e.postback) return [{ from, text: e.postback.title || e.postback.payload || '[postback]', providerMessageId: postbackId(e) }];
      return [];
    }),
  }),

  parseStatus: (req, config) =>
    events(req, config).flatMap((e): ProviderStatus[] => {
      // The echo of our own send carries its key back: a send whose answer was lost is settled by it.
      if (e.message?.is_echo && e.message.metadata) {
        const at = e.timestamp === undefined ? {} : { at: new Date(e.timestamp) };
        return [{ providerMessageId: e.message.mid, status: 'sent', idempotencyKey: e.message.metadata, ...at }];
      }
      const recipient = e.sender.id;
      if (!recipient) return [];
      if (e.delivery) {
        const watermark = new Date(e.delivery.watermark);
        return [
          ...(e.delivery.mids ?? []).map((mid) => ({ providerMessageId: mid, status: 'delivered' as const, at: watermark })),
          { recipient, status: 'delivered', watermark },
        ];
      }
      if (e.read) return [{ recipient, status: 'read', watermark: new Date(e.read.watermark) }];
      return [];
    }),
};
