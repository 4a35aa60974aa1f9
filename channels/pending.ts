import { plainAddress } from './address';
import type { ChannelKind, KindRules } from './provider';

/**
 * The kinds whose providers are still to come: their address rules and
 * capabilities already hold, so contacts on them validate as they will.
 */
export const pendingKinds = {
  messenger: {
    kind: 'messenger',
    normaliseAddress: (raw) => plainAddress(raw),
    capabilities: { confirmsStop: false, sessionWindowHours: null, defaultRatePerSecond: 10 },
  },
} satisfies Partial<Record<ChannelKind, KindRules>>;
