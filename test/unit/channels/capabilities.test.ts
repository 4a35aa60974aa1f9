import { type ChannelKind, CHANNEL_KINDS, createChannelRegistry, kindRules, providerFor, publicConfig } from '../../../channels';
import { ConfigurationError } from '../../../channels/errors';
import type { Db } from '../../../db/database';

describe('channel kinds', () => {
  it('when the kinds are listed, then every kind has its rules and a provider', () => {
    expect([...CHANNEL_KINDS].sort()).toEqual(['messenger', 'sandbox', 'twilio', 'webchat', 'whatsapp']);
    for (const kind of CHANNEL_KINDS) expect(kindRules(kind).kind).toBe(kind);
    expect(CHANNEL_KINDS.filter((k) => providerFor(k)).sort()).toEqual(['messenger', 'sandbox', 'twilio', 'webchat', 'whatsapp']);
  });

  it('when capabilities are asked for, then Twilio confirms STOP itself and WhatsApp and Messenger have a 24-hour window', () => {
    const table = Object.fromEntries(CHANNEL_KINDS.map((k) => [k, kindRules(k).capabilities]));
    expect(table).toEqual({
      sandbox: { confirmsStop: false, sessionWindowHours: null, defaultRatePerSecond: 100 },
      twilio: { confirmsStop: true, sessionWindowHours: null, defaultRatePerSecond: 1 },
      whatsapp: { confirmsStop: false, sessionWindowHours: 24, defaultRatePerSecond: 80 },
      messenger: { confirmsStop: false, sessionWindowHours: 24, defaultRatePerSecond: 10 },
      webchat: { confirmsStop: false, sessionWindowHours: null, defaultRatePerSecond: 100 },
    });
  });

  it('when a configuration is shown, then secret and undeclared fields are left out, and kinds without a provider show nothing', () => {
    expect(publicConfig('sandbox', { webhookSecret: 's'.repeat(64), other: 'x' })).toEqual({});
    expect(publicConfig('twilio', { authToken: 'secret', from: '+15005550006', other: 'x' })).toEqual({ from: '+15005550006' });
    expect(publicConfig('whatsapp', { phoneNumberId: '1065', accessToken: 't', appSecret: 's', verifyToken: 'v' })).toEqual({
      phoneNumberId: '1065',
    });
    expect(publicConfig('messenger', { pageId: '1045', pageAccessToken: 't', appSecret: 's', verifyToken: 'v' })).toEqual({
      pageId: '1045',
    });
    expect(publicConfig('webchat', { token: 'secret' })).toEqual({});
  });

  it('when the worker asks for a kind that has no provider (a row from a newer version, say), then it is a configuration error', () => {
    const channels = createChannelRegistry({} as Db);
    expect(() => channels('telegram' as ChannelKind)).toThrow(ConfigurationError);
    expect(channels('sandbox').kind).toBe('sandbox');
  });
});
