import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { jsonText } from './json';
import { appendOutbox } from '../db/sandbox-outbox';
import { phoneAddress } from './phone';
import { ratePerSecond } from './rate';
import type { Provider, WebhookRequest } from './provider';
import { validHmacSha256 } from './signature';

export const SIGNATURE_HEADER = 'x-parley-signature';

const configSchema = z.object({ webhookSecret: z.string().min(32), ratePerSecond });

const id = z.string().min(1).max(200);
const webhookBody = z.strictObject({
  messages: z
    .array(z.strictObject({ from: z.string().min(1).max(256), text: z.string().max(10_000), id }))
    .max(100)
    .default([]),
  statuses: z
    .array(
      z.strictObject({
        id,
        status: z.enum(['sent', 'delivered', 'read', 'failed']),
        error: z.string().max(1000).optional(),
        errorCode: z.string().max(100).optional(),
        timestamp: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .max(100)
    .default([]),
});
const readBody = (req: WebhookRequest) => jsonText.pipe(webhookBody).parse(req.rawBody.toString('utf8'));

/** A new sandbox channel's configuration: its own webhook secret. */
export const newSandboxConfig = () => ({ webhookSecret: randomBytes(32).toString('hex') });

/**
 * The built-in loopback provider. "Sending" appends to the sandbox outbox,
 * where the customer's side reads it; like a provider with idempotency keys,
 * a repeated key returns the first message instead of sending again. Its
 * webhook takes `{"messages": [{"from", "text", "id"}], "statuses": [{"id", "status", "timestamp"?, "error"?, "errorCode"?}]}`
 * signed with `X-Parley-Signature: sha256=<hex HMAC-SHA256(webhookSecret, raw body)>`.
 */
export const sandbox: Provider = {
  kind: 'sandbox',
  normaliseAddress: (raw, defaultCountry) => phoneAddress(raw, defaultCountry),
  capabilities: { confirmsStop: false, sessionWindowHours: null, defaultRatePerSecond: 100 },
  config: { schema: configSchema, secrets: ['webhookSecret'] },

  async send(msg, { db }) {
    const providerMessageId = await appendOutbox(db, {
      channelId: msg.channelId,
      address: msg.to,
      body: msg.text,
      idempotencyKey: msg.idempotencyKey,
      providerMessageId: `sbx_${randomUUID()}`,
    });
    return { providerMessageId, status: 'delivered' };
  },

  verify(req, config) {
    const parsed = configSchema.safeParse(config);
    return parsed.success && validHmacSha256(parsed.data.webhookSecret, req.rawBody, req.headers[SIGNATURE_HEADER]);
  },

  parseInbound: (req) => ({ messages: readBody(req).messages.map((m) => ({ from: m.from, text: m.text, providerMessageId: m.id })) }),

  parseStatus: (req) =>
    readBody(req).statuses.map((s) => ({
      providerMessageId: s.id,
      status: s.status,
      ...(s.error !== undefined ? { error: s.error } : {}),
      ...(s.errorCode !== undefined ? { errorCode: s.errorCode } : {}),
      ...(s.timestamp !== undefined ? { at: new Date(s.timestamp) } : {}),
    })),
};
