import { timingSafeEqual } from 'node:crypto';
import type { Provider, WebhookRequest } from './provider';
import { validHmacSha256 } from './signature';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

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
