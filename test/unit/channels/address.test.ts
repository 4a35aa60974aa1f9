import { CHANNEL_KINDS, kindRules } from '../../../channels';
import type { ChannelKind } from '../../../channels/provider';

const cases: [ChannelKind, string, string, { address: string } | { error: string }][] = [
  ['sandbox', '07911 123456', 'GB', { address: '+447911123456' }],
  ['sandbox', ' +44 7911 123456 ', 'US', { address: '+447911123456' }],
  ['sandbox', 'whatsapp:+447911123456', 'GB', { address: '+447911123456' }],
  ['sandbox', '16505551234', 'GB', { error: 'is not a valid phone number' }],
  ['sandbox', '07700 900123', 'GB', { error: 'is not a valid phone number' }],
  ['sandbox', 'hello', 'GB', { error: 'is not a valid phone number' }],
  ['twilio', '07911 123456', 'GB', { address: '+447911123456' }],
  ['twilio', 'whatsapp:+447911123456', 'GB', { address: '+447911123456' }],
  ['twilio', '(201) 555-0123', 'US', { address: '+12015550123' }],
  ['whatsapp', '447911123456', 'GB', { address: '+447911123456' }],
  ['whatsapp', '16505551234', 'GB', { address: '+16505551234' }],
  ['whatsapp', 'whatsapp:447911123456', 'US', { address: '+447911123456' }],
  ['whatsapp', '07911 123456', 'GB', { address: '+447911123456' }],
  ['messenger', ' 6543210987654321 ', 'GB', { address: '6543210987654321' }],
  ['messenger', '07911 123456', 'GB', { error: 'is not a page-scoped id (digits)' }],
  ['webchat', 'visitor-3f9c0e1a', 'GB', { address: 'visitor-3f9c0e1a' }],
];

describe('address rules per kind', () => {
  it.each(cases)('when a %s address is %j (country %s), then it is %j', (kind, raw, country, expected) => {
    expect(kindRules(kind).normaliseAddress(raw, country)).toEqual(expected);
  });

  it.each(CHANNEL_KINDS)('when a %s address is blank or too long, then it says which', (kind) => {
    const rules = kindRules(kind);
    expect(rules.normaliseAddress('   ', 'GB')).toEqual({ error: 'is empty' });
    expect(rules.normaliseAddress('1'.repeat(129), 'GB')).toEqual({ error: 'is longer than 128 characters' });
  });
});
