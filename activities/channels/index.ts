import type { Db } from '../../db/database';
import type { ChannelKind } from '../../db/tables/channel.table';
import { ConfigurationError } from '../errors';
import type { Channel, ChannelFactory } from './channel';
import { sandbox } from './sandbox';

const factories: Partial<Record<ChannelKind, ChannelFactory>> = { sandbox };

export type ChannelRegistry = (kind: ChannelKind) => Channel;

/** Builds each provider once and looks it up by kind. */
export function createChannelRegistry(db: Db, overrides: Partial<Record<ChannelKind, Channel>> = {}): ChannelRegistry {
  const built = new Map<ChannelKind, Channel>();
  return (kind) => {
    const existing = overrides[kind] ?? built.get(kind);
    if (existing) return existing;
    const factory = factories[kind];
    if (!factory) throw new ConfigurationError(`no provider for channel kind ${kind}`);
    const channel = factory({ db });
    built.set(kind, channel);
    return channel;
  };
}

export type { Channel, OutboundMessage, SendResult } from './channel';
