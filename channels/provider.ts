import type { z } from 'zod';
import type { Db } from '../db/database';

export type ChannelKind = 'sandbox' | 'twilio' | 'whatsapp' | 'messenger' | 'webchat';

/** A person's address normalised for the channel (E.164 for phone channels), or why it is not one. */
export type AddressResult = { address: string } | { error: string };

export interface Capabilities {
  /** The provider answers STOP itself, so we send no confirmation of our own. */
  confirmsStop: boolean;
  /** Free-form messages only within this many hours of the person's last message (WhatsApp's 24). */
  sessionWindowHours: number | null;
  /** Sends per second per sender unless configured otherwise. */
  defaultRatePerSecond: number;
}

/** What every kind of channel knows, whether or not it has a provider yet. */
export interface KindRules {
  kind: ChannelKind;
  normaliseAddress(raw: string, defaultCountry: string): AddressResult;
  capabilities: Capabilities;
}

export interface OutboundMessage {
  channelId: string;
  config: Record<string, unknown>;
  to: string;
  text: string;
  /** Business key of the send; providers that support it de-duplicate on it. */
  idempotencyKey: string;
  /** The journey step that sends it, for per-step provider settings (WhatsApp's templates). */
  step?: string;
  /** 1 on the first try of this key; a later try may follow one whose outcome is unknown. Unset means it may be a retry. */
  attempt?: number;
}

export interface SendResult {
  providerMessageId: string;
  status: 'sent' | 'delivered';
}

/** A provider's webhook request as it arrived: signatures are over the raw bytes. */
export interface WebhookRequest {
  method: string;
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  query: Record<string, unknown>;
  /** The full URL the provider called, query included: PUBLIC_URL and the path behind a proxy, else as this server saw it. */
  url?: string;
}

export interface InboundMessage {
  /** The sender's address as the provider wrote it; normalised with the kind's address rules. */
  from: string;
  text: string;
  providerMessageId: string;
}

/** What to answer the provider with, when it expects more than an empty 200 (Twilio's TwiML). */
export interface WebhookAck {
  contentType: string;
  body: string;
}

export interface StatusUpdate {
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  error?: string;
  /** The idempotency key the provider echoed back, which names a send whose answer we never got. */
  idempotencyKey?: string;
  /** The provider's error code, on failed. */
  errorCode?: string;
  /** When the provider says the status happened; the time of arrival when it does not say. */
  at?: Date;
}

/**
 * Everything sent to `recipient` at or before `watermark` has reached `status` (Messenger's
 * delivery and read events, which name no message).
 */
export interface WatermarkUpdate {
  /** The person's address as the provider wrote it; normalised with the kind's address rules. */
  recipient: string;
  status: 'delivered' | 'read';
  watermark: Date;
}

/** A status a webhook carries: for one message by its provider id, or for all sent to a person up to a time. */
export type ProviderStatus = StatusUpdate | WatermarkUpdate;

/** A plain answer to a provider's request, such as WhatsApp's `hub.challenge` handshake. */
export interface WebhookAnswer {
  status: number;
  body: string;
}

export interface ProviderDeps {
  db: Db;
  /** PUBLIC_URL: where providers reach our /hooks (status callbacks). */
  publicUrl?: string;
}

/**
 * One messaging provider. `send` throws the typed errors of ./errors; the
 * parse functions throw a ZodError on a payload they cannot read.
 */
export interface Provider extends KindRules {
  config: {
    schema: z.ZodObject;
    /** Fields never shown back through the API. */
    secrets: readonly string[];
    /** A rule across fields (kept out of `schema`, whose fields a PATCH may give one at a time). */
    check?: (config: Record<string, unknown>) => { field: string; message: string } | undefined;
  };
  send(msg: OutboundMessage, deps: ProviderDeps): Promise<SendResult>;
  /** Whether the webhook request really comes from the provider, for the channel with this configuration. */
  verify(req: WebhookRequest, config: Record<string, unknown>): boolean;
  /** `config` lets a provider whose one webhook serves several senders keep only this channel's events. */
  parseInbound(req: WebhookRequest, config?: Record<string, unknown>): { messages: InboundMessage[]; ack?: WebhookAck };
  parseStatus(req: WebhookRequest, config?: Record<string, unknown>): ProviderStatus[];
  /** False for a kind that takes no provider webhooks (web chat, whose page posts to /webchat): /hooks does not know it. */
  webhook?: false;
  /** Answers the provider's GET subscription check at the webhook; providers without one leave it out. */
  handshake?(req: WebhookRequest, config: Record<string, unknown>): WebhookAnswer;
}
