/**
 * Twilio Programmable Messaging: SMS, or WhatsApp through Twilio (`whatsapp:` addresses) when the
 * channel's `channel` is "whatsapp". The wire format is in CHANNELS.md.
 *
 * Idempotent sends. Twilio's Messages resource takes no idempotency key, so a request that times
 * out or loses its connection leaves it unknown whether Twilio took the message. Such a try fails
 * as retryable ("outcome unknown"), and any later try of the same key first lists the recipient's
 * latest messages at Twilio: one with the same body, created since our message row was stored,
 * whose sid no message of ours has recorded, is taken as the earlier try's and returned instead
 * of sending again. If that look-up fails, the try fails as retryable and sends nothing. Limits:
 * a create that Twilio is still working on when we look may yet appear, so a duplicate needs a
 * create slower than the retry interval; Twilio rewriting the body (smart encoding) defeats the
 * match and we send again; two identical texts to one person at the same moment can be taken
 * for one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { outboundStoredAt, recordedProviderIds } from '../db/send-attempts';
import { ConfigurationError, ContactStoppedError, PermanentSendError, RetryableSendError, ThrottledError } from './errors';
import { phoneAddress } from './phone';
import { ratePerSecond } from './rate';
import type { OutboundMessage, Provider, ProviderDeps, SendResult, StatusUpdate, WebhookAck, WebhookRequest } from './provider';

export const SIGNATURE_HEADER = 'x-twilio-signature';
export const EMPTY_TWIML: WebhookAck = { contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response/>' };

const MAX_BODY = 1600;
const SEND_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_AFTER_MS = 1000;
// Twilio's clock and ours differ a little; an earlier try is never older than our row by more than this.
const CLOCK_SKEW_MS = 60_000;
const LOOKUP_PAGE = 20;

const loopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
const configFields = z.object({
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an Account SID: AC and 32 hex digits'),
  authToken: z.string().min(16),
  from: z.string().min(1).max(64).optional(),
  messagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'must be a Messaging Service SID: MG and 32 hex digits')
    .optional(),
  apiBaseUrl: z
    .url()
    .default('https://api.twilio.com')
    .refine(
      (u) => URL.canParse(u) && (new URL(u).protocol === 'https:' || loopback(new URL(u))),
      'must be https (plain http only to this machine)',
    ),
  channel: z.enum(['sms', 'whatsapp']).default('sms'),
  ratePerSecond,
});
const oneSender = (c: { from?: string; messagingServiceSid?: string }) =>
  !!c.from === !!c.messagingServiceSid ? { field: 'from', message: 'set one of from and messagingServiceSid' } : undefined;
const configSchema = configFields.refine((c) => !oneSender(c), { message: 'set one of from and messagingServiceSid', path: ['from'] });
type TwilioConfig = z.infer<typeof configSchema>;

// Our own words for the codes we know: Twilio's messages quote the phone number, which must stay out of workflow histories.
const REASONS: Record<number, string> = {
  21211: 'the number is not a valid phone number',
  21610: 'the person opted out at Twilio (STOP)',
  21611: "the sender's queue at Twilio is full",
  21614: 'the number cannot receive SMS',
  20003: 'Twilio refused the account SID or auth token',
  20404: 'Twilio does not know this account',
  20429: 'too many requests to Twilio',
  21606: 'the From number cannot send from this account',
  30003: 'the handset is unreachable',
  30005: 'the number is unknown or no longer exists',
  30006: 'the number is a landline or unreachable by the carrier',
  30007: 'the carrier filtered the message',
  63016: 'outside the WhatsApp 24-hour window: only a template may be sent',
};
const PERMANENT = new Set([21211, 21614, 30003, 30005, 30006, 30007, 63016]);
const CONFIGURATION = new Set([20003, 20404, 21606]);
const THROTTLED = new Set([20429, 21611]);
const reason = (code: number | undefined, status?: number) =>
  code !== undefined
    ? `Twilio ${code}: ${REASONS[code] ?? 'see https://www.twilio.com/docs/errors/' + code}`
    : `Twilio answered HTTP ${status}`;

const errorBody = z.object({ code: z.number().int().optional() }).loose();
const createdBody = z.object({ sid: z.string().min(1).max(64) }).loose();
const listedBody = z
  .object({
    messages: z.array(
      z
        .object({
          sid: z.string(),
          to: z.string(),
          from: z.string().nullable(),
          body: z.string().nullable(),
          messaging_service_sid: z.string().nullable().optional(),
          date_created: z.string().nullable(),
        })
        .loose(),
    ),
  })
  .loose();

const sid = z.string().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/, 'is not a Twilio SID');
const inboundForm = z.object({
  MessageSid: sid,
  From: z.string().min(1).max(256),
  Body: z.string().max(10_000).default(''),
  NumMedia: z.coerce.number().int().min(0).max(10).default(0),
});
const mediaItem = z.object({ url: z.string().url().max(2048), type: z.string().max(128).default('') });

/** The media of an MMS or WhatsApp message through Twilio: `MediaUrl<i>` and `MediaContentType<i>` for i below NumMedia. */
function mediaOf(form: URLSearchParams, count: number): z.infer<typeof mediaItem>[] {
  return Array.from({ length: count }, (_, i) => form.get(`MediaUrl${i}`))
    .map((url, i) => url && mediaItem.parse({ url, type: form.get(`MediaContentType${i}`) ?? undefined }))
    .filter((m): m is z.infer<typeof mediaItem> => !!m);
}

/** Parley's text for an inbound message: its words, then a reference per media item, as WhatsApp's are shown (`[image <ref>]`). */
function inboundText(body: string, media: z.infer<typeof mediaItem>[]): string {
  const refs = media.map((m) => {
    const kind = m.type.split('/')[0];
    return `[${['image', 'audio', 'video'].includes(kind) ? kind : 'document'} ${m.url}]`;
  });
  return [body, ...refs].filter(Boolean).join('\n');
}
const statusForm = z.object({ MessageSid: sid, MessageStatus: z.string().max(32), ErrorCode: z.coerce.number().int().optional() });
// Twilio's other statuses (queued, accepting, sending, scheduled...) say nothing our model records.
const STATUSES: Record<string, StatusUpdate['status']> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
};

const formOf = (req: WebhookRequest) => new URLSearchParams(req.rawBody.toString('utf8'));
const isStatusCallback = (form: URLSearchParams) => form.has('MessageStatus') && form.get('MessageStatus') !== 'received';

/**
 * Twilio's signature: HMAC-SHA1 of the URL followed by each parameter's name and value, sorted by name
 * (a repeated name's distinct values sorted too, as Twilio's own libraries do), in base64.
 */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  const data = names.reduce(
    (acc, name) =>
      acc +
      [...new Set(params.getAll(name))]
        .sort()
        .map((v) => name + v)
        .join(''),
    url,
  );
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The URL as given, and with its default port added and removed: Twilio may have signed either. */
function urlVariants(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [raw];
  }
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const rest = `${url.pathname}${url.search}`;
  return [raw, `${url.protocol}//${url.hostname}${rest}`, `${url.protocol}//${url.hostname}:${url.port || defaultPort}${rest}`];
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const withPrefix = (config: TwilioConfig, address: string) =>
  config.channel === 'whatsapp' && !address.startsWith('whatsapp:') ? `whatsapp:${address}` : address;

/** Where Twilio posts this channel's status callbacks. */
export const statusCallbackUrl = (publicUrl: string, channelId: string) => `${publicUrl.replace(/\/+$/, '')}/hooks/${channelId}`;

function retryAfterMs(header: string | null): number {
  if (!header) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - Date.now());
}

/** The typed error for a refused request, by Twilio's error code before the HTTP status. */
export function classify(status: number, body: unknown, retryAfter: string | null): Error {
  const parsed = errorBody.safeParse(body);
  const code = parsed.success ? parsed.data.code : undefined;
  const why = reason(code, status);
  if (code === 21610) return new ContactStoppedError(why);
  if (status === 429 || (code !== undefined && THROTTLED.has(code))) return new ThrottledError(why, retryAfterMs(retryAfter));
  if (status === 401 || status === 403 || (code !== undefined && CONFIGURATION.has(code))) return new ConfigurationError(why);
  if (status >= 500) return new RetryableSendError(why);
  if (code !== undefined && PERMANENT.has(code)) return new PermanentSendError(why);
  // Any other refusal would be refused again.
  return new PermanentSendError(why);
}

/** The Twilio provider, with its request time limit (tests shorten it). */
export function createTwilio(opts: { timeoutMs?: number } = {}): Provider {
  const timeoutMs = opts.timeoutMs ?? SEND_TIMEOUT_MS;

  const call = (config: TwilioConfig, path: string, init: RequestInit = {}) =>
    fetch(`${config.apiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${config.accountSid}${path}`, {
      ...init,
      headers: {
        authorization: `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`,
        accept: 'application/json',
        ...init.headers,
      },
      signal: AbortSignal.timeout(timeoutMs),
    });

  /** The message an earlier try of this key left at Twilio, if one did. */
  async function earlierTry(config: TwilioConfig, msg: OutboundMessage, to: string, { db }: ProviderDeps): Promise<SendResult | undefined> {
    const query = new URLSearchParams({ To: to, PageSize: String(LOOKUP_PAGE) });
    if (config.from) query.set('From', withPrefix(config, config.from));
    let listed;
    try {
      const res = await call(config, `/Messages.json?${query}`);
      if (!res.ok) throw classify(res.status, await res.json().catch(() => undefined), res.headers.get('retry-after'));
      listed = listedBody.parse(await res.json());
    } catch (err) {
      if (err instanceof ConfigurationError || err instanceof ThrottledError) throw err;
      throw new RetryableSendError('could not look for an earlier try at Twilio, so nothing was sent', { cause: err });
    }
    const since = ((await outboundStoredAt(db, msg.idempotencyKey))?.getTime() ?? Date.now()) - CLOCK_SKEW_MS;
    const candidates = listed.messages.filter(
      (m) =>
        m.body === msg.text &&
        (config.messagingServiceSid ? m.messaging_service_sid === config.messagingServiceSid : true) &&
        m.date_created !== null &&
        Date.parse(m.date_created) >= since,
    );
    const known = await recordedProviderIds(
      db,
      msg.channelId,
      candidates.map((m) => m.sid),
    );
    const ours = candidates.filter((m) => !known.has(m.sid)).at(-1);
    return ours && { providerMessageId: ours.sid, status: 'sent' };
  }

  return {
    kind: 'twilio',
    normaliseAddress: (raw, defaultCountry) => phoneAddress(raw, defaultCountry),
    // Twilio answers STOP itself; one long code sends about one message a second.
    capabilities: { confirmsStop: true, sessionWindowHours: null, defaultRatePerSecond: 1 },
    config: { schema: configFields, secrets: ['authToken'], check: oneSender },

    async send(msg, deps) {
      const parsed = configSchema.safeParse(msg.config);
      if (!parsed.success) throw new ConfigurationError(`the Twilio channel's configuration is invalid: ${z.prettifyError(parsed.error)}`);
      const config = parsed.data;
      if (msg.text.length > MAX_BODY) throw new PermanentSendError(`the message is longer than Twilio's ${MAX_BODY} characters`);
      const to = withPrefix(config, msg.to);
      if (msg.attempt !== 1) {
        const earlier = await earlierTry(config, msg, to, deps);
        if (earlier) return earlier;
      }
      const form = new URLSearchParams({ To: to });
      if (config.messagingServiceSid) form.set('MessagingServiceSid', config.messagingServiceSid);
      else form.set('From', withPrefix(config, config.from!));
      form.set('Body', msg.text);
      if (deps.publicUrl) form.set('StatusCallback', statusCallbackUrl(deps.publicUrl, msg.channelId));

      let res: Response;
      let body: unknown;
      try {
        res = await call(config, '/Messages.json', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
        body = await res.json().catch(() => undefined);
      } catch (err) {
        throw new RetryableSendError(
          'no answer from Twilio (time limit or connection lost): the outcome is unknown, the next try looks before sending',
          {
            cause: err,
          },
        );
      }
      if (res.ok) {
        const created = createdBody.safeParse(body);
        if (created.success) return { providerMessageId: created.data.sid, status: 'sent' };
        throw new RetryableSendError('Twilio accepted the message without a sid: the next try looks before sending');
      }
      throw classify(res.status, body, res.headers.get('retry-after'));
    },

    verify(req, config) {
      const parsed = configSchema.safeParse(config);
      const given = req.headers[SIGNATURE_HEADER];
      if (!parsed.success || typeof given !== 'string' || !req.url) return false;
      const form = formOf(req);
      return urlVariants(req.url).some((url) => sameSignature(twilioSignature(parsed.data.authToken, url, form), given.trim()));
    },

    parseInbound(req) {
      const form = formOf(req);
      if (isStatusCallback(form)) return { messages: [] };
      const m = inboundForm.parse(Object.fromEntries(form));
      return {
        messages: [{ from: m.From, text: inboundText(m.Body, mediaOf(form, m.NumMedia)), providerMessageId: m.MessageSid }],
        ack: EMPTY_TWIML,
      };
    },

    parseStatus(req) {
      const form = formOf(req);
      if (!isStatusCallback(form)) return [];
      const s = statusForm.parse(Object.fromEntries(form));
      const status = STATUSES[s.MessageStatus];
      if (!status) return [];
      const failed = status === 'failed';
      return [
        {
          providerMessageId: s.MessageSid,
          status,
          ...(failed ? { error: s.ErrorCode !== undefined ? reason(s.ErrorCode) : `Twilio: ${s.MessageStatus}` } : {}),
        },
      ];
    },
  };
}

export const twilio = createTwilio();
