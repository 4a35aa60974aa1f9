import type { Db } from '../../db/database';
import type { ChannelKind } from '../../db/tables/channel.table';

export interface OutboundMessage {
  channelId: string;
  config: Record<string, unknown>;
  to: string;
  text: string;
  /** Business key of the send; providers that support it de-duplicate on it. */
  idempotencyKey: string;
}

export interface SendResult {
  providerMessageId: string;
  status: 'sent' | 'delivered';
}

/** One messaging provider. Send errors are the typed errors of ../errors. */
export interface Channel {
  kind: ChannelKind;
  send(msg: OutboundMessage): Promise<SendResult>;
}

export type ChannelFactory = (deps: { db: Db }) => Channel;
