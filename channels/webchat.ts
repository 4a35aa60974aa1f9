import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ratePerSecond } from './rate';
import { appendWebchatEvent } from '../db/webchat';
import { plainAddress } from './address';
import type { Provider } from './provider';

const origin = z
  .string()
  .max(200)
  .refine((o) => URL.canParse(o) && ['http:', 'https:'].includes(new URL(o).protocol) && new URL(o).origin === o, {
    message: 'must be an origin: scheme, host and port only, such as https://shop.example.com',
  });

const configSchema = z.object({
  /** Sites that may embed the widget in an iframe (CSP frame-ancestors); the API's own origin always may. */
  allowedOrigins: z.array(origin).max(20).default([]),
  title: z.string().trim().min(1).max(100).optional(),
  welcome: z.string().trim().min(1).max(1000).optional(),
  ratePerSecond,
});
export type WebchatConfig = z.infer<typeof configSchema>;

/** A channel's configuration as stored, with defaults for what it leaves out. */
export const webchatConfig = (config: Record<string, unknown>): WebchatConfig => configSchema.catch({ allowedOrigins: [] }).parse(config);

const TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** A new visitor's cookie value: 128 random bits, nothing derived from the browser. */
export const newVisitorToken = () => randomBytes(16).toString('base64url');

export const isVisitorToken = (value: unknown): value is string => typeof value === 'string' && TOKEN.test(value);

/**
 * The visitor's address on the channel: a keyed hash of their cookie. Contacts,
 * messages and the API show this, so none of them can be replayed as the cookie.
 */
export function visitorAddress(hashKey: Buffer, channelId: string, token: string): string {
  return `v_${createHmac('sha256', hashKey).update(`webchat\n${channelId}\n${token}`).digest('base64url').slice(0, 22)}`;
}

/**
 * Web chat, served by the API itself (api/routes/webchat.ts). Sending stores the
 * message for the visitor's page and announces it; the API process that holds
 * the visitor's event stream passes it on. Stored is as delivered as it gets.
 */
export const webchat: Provider = {
  kind: 'webchat',
  normaliseAddress: (raw) => plainAddress(raw),
  capabilities: { confirmsStop: false, sessionWindowHours: null, defaultRatePerSecond: 100 },
  config: { schema: configSchema, secrets: [] },

  async send(msg, { db }) {
    const { seq } = await appendWebchatEvent(db, {
      channelId: msg.channelId,
      visitorId: msg.to,
      idempotencyKey: msg.idempotencyKey,
      author: 'business',
      body: msg.text,
    });
    return { providerMessageId: `wc_${seq}`, status: 'delivered' };
  },

  // Messages arrive at /webchat from the visitor's page, never at /hooks.
  webhook: false,
  verify: () => false,
  parseInbound: () => ({ messages: [] }),
  parseStatus: () => [],
};
