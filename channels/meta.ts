import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { RetryableSendError } from './errors';
import { ratePerSecond } from './rate';
import type { Provider, WebhookRequest } from './provider';
import { validHmacSha256 } from './signature';

export const SIGNATURE_HEADER = 'x-hub-signature-256';
export const DEFAULT_API_BASE_URL = 'https://graph.facebook.com/v21.0';

/** The configuration every Meta channel has, besides its own sender and credentials. */
export const metaConfigFields = {
  appSecret: z.string().min(1),
  verifyToken: z.string().min(1),
  apiBaseUrl: z.string().url().default(DEFAULT_API_BASE_URL),
  requestTimeoutMs: z.number().int().min(100).max(20_000).default(10_000),
  confirmWaitSeconds: z.number().int().min(0).max(3600).default(120),
  ratePerSecond,
};

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Meta's webhook checks, the same for WhatsApp and Messenger: `X-Hub-Signature-256` over
 * the raw body with the app secret, and the `hub.challenge` subscription handshake.
 */
export function metaWebhook(
  secrets: (config: Record<string, unknown>) => { appSecret: string; verifyToken: string } | undefined,
): Pick<Provider, 'verify' | 'handshake'> {
  return {
    verify(req: WebhookRequest, config) {
      const s = secrets(config);
      return !!s && validHmacSha256(s.appSecret, req.rawBody, req.headers[SIGNATURE_HEADER]);
    },
    handshake(req: WebhookRequest, config) {
      const s = secrets(config);
      const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = req.query;
      const ok =
        !!s && mode === 'subscribe' && typeof challenge === 'string' && typeof token === 'string' && sameText(token, s.verifyToken);
      return ok ? { status: 200, body: challenge as string } : { status: 403, body: 'Forbidden' };
    },
  };
}

/** A send whose answer never came (a time-out, a dropped connection): Meta may or may not have the message. */
export class UnclearOutcome extends Error {}

// The connection was never made: Meta cannot have the message.
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One Graph API POST: the answer parsed with `ok`, a refusal classified by `refusal`, a connection
 * never made retryable, and anything else (no answer, an unreadable one) an UnclearOutcome.
 */
export async function postGraph<T>(
  url: string,
  init: { label: string; headers?: Record<string, string>; body: unknown; timeoutMs: number },
  ok: z.ZodType<T>,
  refusal: (status: number, json: unknown, retryAfter: string | null) => Error,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { ...init.headers, 'content-type': 'application/json' },
      body: JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (err) {
    const code = ((err as Error).cause as { code?: string } | undefined)?.code;
    if (code && NOT_CONNECTED.has(code)) throw new RetryableSendError(`${init.label} unreachable (${code})`);
    throw new UnclearOutcome((err as Error).name);
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    if (res.ok) throw new UnclearOutcome('unreadable answer');
    json = undefined;
  }
  if (!res.ok) throw refusal(res.status, json, res.headers.get('retry-after'));
  const parsed = ok.safeParse(json);
  if (!parsed.success) throw new UnclearOutcome('unreadable answer');
  return parsed.data;
}
