import type { Db } from '../db/database';
import type { SecretBox } from '../platform/secrets';
import { openConfig } from './config';
import { ConfigurationError } from './errors';
import { messenger } from './messenger';
import type { ChannelKind, KindRules, OutboundMessage, Provider, SendResult } from './provider';
import { sandbox } from './sandbox';
import { twilio } from './twilio';
import { webchat } from './webchat';
import { whatsapp } from './whatsapp';

const providers: Record<ChannelKind, Provider> = { sandbox, twilio, whatsapp, messenger, webchat };
const kinds: Record<ChannelKind, KindRules> = providers;

export const CHANNEL_KINDS = Object.keys(kinds) as ChannelKind[];

/** Address rules and capabilities of a kind, with or without a provider. */
export const kindRules = (kind: ChannelKind): KindRules => kinds[kind];

/** The kind's provider; undefined while it has none. */
export const providerFor = (kind: ChannelKind): Provider | undefined => providers[kind];

/** The configuration the API may show: the fields the provider's schema declares, less its secrets; nothing for other kinds. */
export function publicConfig(kind: ChannelKind, config: Record<string, unknown>): Record<string, unknown> {
  const provider = providers[kind];
  if (!provider) return {};
  const shown = Object.keys(provider.config.schema.shape).filter((k) => !provider.config.secrets.includes(k) && k in config);
  return Object.fromEntries(shown.map((k) => [k, config[k]]));
}

/** A provider bound to the worker's dependencies: all that sending needs. */
export interface ChannelSender {
  kind: ChannelKind;
  send(msg: OutboundMessage): Promise<SendResult>;
}

export type ChannelRegistry = (kind: ChannelKind) => ChannelSender;

/** The worker's senders by kind, which open the channel's secrets for the provider; tests override one to inject faults. */
export function createChannelRegistry(
  db: Db,
  overrides: Partial<Record<ChannelKind, ChannelSender>> = {},
  opts: { publicUrl?: string; secrets?: SecretBox } = {},
): ChannelRegistry {
  return (kind) => {
    const override = overrides[kind];
    if (override) return override;
    const provider = providers[kind];
    if (!provider) throw new ConfigurationError(`no provider for channel kind ${kind}`);
    return {
      kind,
      send: (msg) => provider.send({ ...msg, config: openConfig(provider, msg.config, opts.secrets) }, { db, publicUrl: opts.publicUrl }),
    };
  };
}

export type * from './provider';
