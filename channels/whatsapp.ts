/**
 * WhatsApp Cloud API (Meta Graph API): text and template sends, the 24-hour window,
 * the `hub.challenge` handshake, `X-Hub-Signature-256`, inbound messages and statuses.
 *
 * Idempotent sends. The Cloud API takes no idempotency key and cannot be asked whether it
 * accepted a message, so a timeout leaves the outcome unknown. The adapter therefore:
 * - claims a `send_attempts` row per idempotency key before calling Meta (one call per key at a time,
 *   across workers), and stores Meta's message id in it on success, so a retry after a crash between
 *   Meta's answer and our commit returns that id instead of sending again;
 * - sends the key as `biz_opaque_callback_data`, which Meta echoes in the status webhooks of that
 *   message: a `sent` status for a send whose answer we lost fills in the row's message id;
 * - after a timeout or a dropped connection, does not send again at once: retries fail as throttled
 *   until a status callback names the message (then the retry returns its id, no second send) or until
 *   `confirmWaitSeconds` (default 120 s) pass with none. Only then does it send again, accepting a
 *   possible duplicate should Meta have taken the first one yet sent no status in that time.
 * A refusal that Meta answered (any error response) clears the claim: nothing was sent.
 */
import { z } from 'zod';
import { jsonText } from './json';
import { dropSendAttempt, claimSendAttempt, restartSendAttempt, settleSendAttempt } from '../db/send-attempts';
import { rekeyContact, sessionContact } from '../db/session-window';
import { render } from '../workflows/journey/template';
import { ConfigurationError, PermanentSendError, RetryableSendError, ThrottledError } from './errors';
import { phoneAddress } from './phone';
import type { OutboundMessage, Provider, ProviderDeps, SendResult, StatusUpdate, WebhookRequest } from './provider';
import { UnclearOutcome, metaConfigFields, metaWebhook, postGraph } from './meta';

export { SIGNATURE_HEADER } from './meta';
export { DEFAULT_API_BASE_URL } from './meta';
const MAX_TEXT = 4096;
const SESSION_WINDOW_HOURS = 24;

const template = z.strictObject({
  name: z.string().min(1).max(512),
  language: z.string().min(2).max(15),
  /** Body parameters in order, each a text with `<<field>>` placeholders filled from the contact's fields. */
  parameters: z.array(z.string().max(1024)).max(20).default([]),
});

const configSchema = z.object({
  phoneNumberId: z.string().regex(/^\d{1,32}$/, 'must be the digits of the Cloud API phone number id'),
  accessToken: z.string().min(1),
  /** Templates by journey step id, used outside the 24-hour window. */
  templates: z.record(z.string(), template).default({}),
  ...metaConfigFields,
});
type Config = z.infer<typeof configSchema>;

function readConfig(config: Record<string, unknown>): Config {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success)
    throw new ConfigurationError(`the WhatsApp channel configuration is invalid: ${parsed.error.issues[0].path.join('.')}`);
  return parsed.data;
}

// ---- sending ----

const CODES: Record<number, { kind: 'throttled' | 'retryable' | 'permanent' | 'configuration'; reason: string }> = {
  130429: { kind: 'throttled', reason: 'throughput limit reached' },
  131056: { kind: 'throttled', reason: 'pair rate limit: too many messages to this person' },
  131048: { kind: 'throttled', reason: 'spam rate limit reached' },
  80007: { kind: 'throttled', reason: 'WhatsApp Business Account rate limit reached' },
  4: { kind: 'throttled', reason: 'application request limit reached' },
  131053: { kind: 'retryable', reason: 'media upload failed' },
  131057: { kind: 'retryable', reason: 'business account in maintenance' },
  131047: { kind: 'permanent', reason: "outside WhatsApp's 24-hour window: only a template may be sent" },
  131026: { kind: 'permanent', reason: 'message undeliverable to this number' },
  368: { kind: 'permanent', reason: 'sender temporarily blocked for policy violations' },
  190: { kind: 'configuration', reason: 'access token invalid or expired' },
};
const REENGAGEMENT = 131047;
// Meta sends no Retry-After; the pair limit allows about one message every 6 seconds.
const THROTTLE_DEFAULT_MS: Record<number, number> = { 131056: 6_000 };

const errorBody = z.object({ error: z.object({ code: z.number().int(), error_subcode: z.number().int().optional() }) });
const okBody = z.object({
  contacts: z.array(z.object({ input: z.string().optional(), wa_id: z.string() })).default([]),
  messages: z.array(z.object({ id: z.string().min(1) })).min(1),
});

/** Meta refused with 131047: the caller may still send a template. */
class OutsideWindow extends PermanentSendError {}

function retryAfterMs(header: string | null, fallback: number): number {
  if (!header) return fallback;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? fallback : Math.max(0, at - Date.now());
}

/** The typed error for Meta's error answer, by its code first and the HTTP status only when the code is unknown. */
export function classifyError(status: number, body: unknown, retryAfter: string | null = null): Error {
  const parsed = errorBody.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : undefined;
  const known = code === undefined ? undefined : CODES[code];
  const reason = known ? `WhatsApp error ${code}: ${known.reason}` : `WhatsApp error ${code ?? 'without a code'} (HTTP ${status})`;
  const kind = known?.kind ?? (status === 429 ? 'throttled' : status >= 500 ? 'retryable' : status === 401 ? 'configuration' : 'permanent');
  if (code === REENGAGEMENT) return new OutsideWindow(reason);
  if (kind === 'throttled') return new ThrottledError(reason, retryAfterMs(retryAfter, THROTTLE_DEFAULT_MS[code ?? 0] ?? 1_000));
  if (kind === 'retryable') return new RetryableSendError(reason);
  if (kind === 'configuration') return new ConfigurationError(reason);
  return new PermanentSendError(reason);
}

async function post(config: Config, body: Record<string, unknown>): Promise<{ id: string; waId?: string }> {
  const answer = await postGraph(
    `${config.apiBaseUrl}/${config.phoneNumberId}/messages`,
    { label: 'WhatsApp', headers: { authorization: `Bearer ${config.accessToken}` }, body, timeoutMs: config.requestTimeoutMs },
    okBody,
    classifyError,
  );
  return { id: answer.messages[0].id, waId: answer.contacts[0]?.wa_id };
}

const templateFor = (config: Config, step: string | undefined) =>
  step === undefined ? undefined : (config.templates[step] ?? config.templates[step.replace(/[@#].*$/, '')]);

async function deliver(msg: OutboundMessage, config: Config, db: ProviderDeps['db']) {
  const to = msg.to.replace(/^\+/, '');
  const contact = await sessionContact(db, msg.channelId, msg.to);
  const tpl = templateFor(config, msg.step);
  const sendTemplate = () => {
    if (!tpl) throw new PermanentSendError(`${CODES[REENGAGEMENT].reason}, and step ${msg.step ?? '(none)'} has no template`);
    const { timeZone, locale, currency } = contact?.settings ?? { timeZone: 'UTC', locale: 'en-GB', currency: 'GBP' };
    const parameters = tpl.parameters.map((p) => {
      const text = render(p, contact?.fields ?? {}, { now: Date.now(), timeZone, locale, currency });
      if ('missing' in text) throw new PermanentSendError(`template ${tpl.name} lacks the contact's ${text.missing.join(', ')}`);
      return { type: 'text', text: text.text };
    });
    return post(config, {
      messaging_product: 'whatsapp',
      to,
      type: 'template',
      template: {
        name: tpl.name,
        language: { code: tpl.language },
        ...(parameters.length ? { components: [{ type: 'body', parameters }] } : {}),
      },
      biz_opaque_callback_data: msg.idempotencyKey,
    });
  };
  const last = contact?.lastInboundAt?.getTime();
  // Our record of the window can lag (a reply not yet routed to its conversation), so without a template Meta decides.
  if (tpl && (last === undefined || Date.now() - last >= SESSION_WINDOW_HOURS * 3_600_000)) return sendTemplate();
  if (msg.text.length > MAX_TEXT) throw new PermanentSendError(`the text is longer than WhatsApp's ${MAX_TEXT} characters`);
  try {
    return await post(config, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'text',
      text: { body: msg.text, preview_url: false },
      biz_opaque_callback_data: msg.idempotencyKey,
    });
  } catch (err) {
    // Meta's word on the window wins over ours.
    if (err instanceof OutsideWindow) return sendTemplate();
    throw err;
  }
}

async function send(msg: OutboundMessage, { db }: ProviderDeps): Promise<SendResult> {
  const config = readConfig(msg.config);
  const key = msg.idempotencyKey;
  const claim = await claimSendAttempt(db, msg.channelId, key);
  if ('providerMessageId' in claim) return { providerMessageId: claim.providerMessageId, status: 'sent' };
  if ('unresolvedForMs' in claim) {
    const waitMs = config.confirmWaitSeconds * 1000 - claim.unresolvedForMs;
    if (waitMs > 0)
      throw new ThrottledError('unclear whether WhatsApp accepted an earlier attempt: waiting for its status callback', waitMs);
    await restartSendAttempt(db, key);
  }
  try {
    const sent = await deliver(msg, config, db);
    await settleSendAttempt(db, msg.channelId, key, sent.id);
    if (sent.waId && `+${sent.waId}` !== msg.to) await rekeyContact(db, msg.channelId, msg.to, `+${sent.waId}`);
    return { providerMessageId: sent.id, status: 'sent' };
  } catch (err) {
    if (err instanceof UnclearOutcome) {
      throw new ThrottledError(`no answer from WhatsApp (${err.message}): waiting for a status callback before sending again`, 1_000);
    }
    await dropSendAttempt(db, key);
    throw err;
  }
}

// ---- webhooks ----

const media = z.object({ id: z.string(), caption: z.string().optional() });
const message = z.object({
  from: z.string().min(1).max(64),
  id: z.string().min(1).max(256),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string().max(64),
  text: z.object({ body: z.string() }).optional(),
  button: z.object({ text: z.string() }).optional(),
  interactive: z
    .object({
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.object({ id: z.string(), title: z.string() }).optional(),
    })
    .optional(),
  image: media.optional(),
  audio: media.optional(),
  video: media.optional(),
  document: media.optional(),
  sticker: media.optional(),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional() }).optional(),
});
const status = z.object({
  id: z.string().min(1).max(256),
  status: z.string(),
  timestamp: z.string().regex(/^\d+$/),
  recipient_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(z.object({ code: z.number().int(), title: z.string().optional() })).optional(),
});
const payload = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(
      z.object({
        changes: z
          .array(
            z.object({
              field: z.string(),
              value: z.object({
                metadata: z.object({ phone_number_id: z.string() }).optional(),
                messages: z.array(message).max(100).default([]),
                statuses: z.array(status).max(100).default([]),
              }),
            }),
          )
          .max(100),
      }),
    )
    .max(100),
});

/** The message changes of one sender number: a WhatsApp app's one webhook may carry several numbers' events. */
function changes(req: WebhookRequest, config?: Record<string, unknown>) {
  const body = jsonText.pipe(payload).parse(req.rawBody.toString('utf8'));
  const phoneNumberId = config && configSchema.shape.phoneNumberId.safeParse(config.phoneNumberId).data;
  return body.entry
    .flatMap((e) => e.changes)
    .filter((c) => c.field === 'messages' && (!phoneNumberId || c.value.metadata?.phone_number_id === phoneNumberId))
    .map((c) => c.value);
}

/** Parley's text for a WhatsApp message: its words, a reply's title, or a placeholder for media and places. */
export function inboundText(m: z.infer<typeof message>): string {
  if (m.type === 'text' && m.text) return m.text.body;
  if (m.type === 'button' && m.button) return m.button.text;
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  if (m.type === 'interactive' && reply) return reply.title;
  if (m.type === 'location' && m.location) {
    const { latitude, longitude, name } = m.location;
    return `[location ${latitude},${longitude}${name ? ` ${name}` : ''}]`;
  }
  const item = (['image', 'audio', 'video', 'document', 'sticker'] as const).map((k) => m.type === k && m[k]).find(Boolean);
  if (item) return `[${m.type} ${item.id}]${item.caption ? ` ${item.caption}` : ''}`;
  return `[${m.type}]`;
}

const STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
const isStatus = (s: string): s is StatusUpdate['status'] => (STATUSES as readonly string[]).includes(s);

export const whatsapp: Provider = {
  kind: 'whatsapp',
  normaliseAddress: (raw, country) => phoneAddress(raw, country, { bareDigitsInternational: true }),
  capabilities: { confirmsStop: false, sessionWindowHours: SESSION_WINDOW_HOURS, defaultRatePerSecond: 80 },
  config: { schema: configSchema, secrets: ['accessToken', 'appSecret', 'verifyToken'] },
  send,

  ...metaWebhook((config) => {
    const parsed = configSchema.safeParse(config);
    return parsed.success ? parsed.data : undefined;
  }),

  parseInbound: (req, config) => ({
    messages: changes(req, config).flatMap((v) => v.messages.map((m) => ({ from: m.from, text: inboundText(m), providerMessageId: m.id }))),
  }),

  parseStatus: (req, config) =>
    changes(req, config).flatMap((v) =>
      v.statuses.flatMap((s): StatusUpdate[] => {
        if (!isStatus(s.status)) return [];
        const error = s.errors?.[0];
        return [
          {
            providerMessageId: s.id,
            status: s.status,
            ...(s.status === 'failed'
              ? { error: error ? `WhatsApp error ${error.code}: ${error.title ?? 'failed'}` : 'failed at WhatsApp' }
              : {}),
            ...(s.biz_opaque_callback_data ? { idempotencyKey: s.biz_opaque_callback_data } : {}),
          },
        ];
      }),
    ),
};
