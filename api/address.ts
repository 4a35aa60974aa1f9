import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { ChannelKind } from '../db/tables/channel.table';

const MAX_ADDRESS = 128;

/** A person's address on a channel, normalised (E.164 for phone channels); or the reason it is not one. */
export function normaliseAddress(kind: ChannelKind, raw: string, defaultCountry: string): { address: string } | { error: string } {
  const input = raw.trim();
  if (!input) return { error: 'is empty' };
  if (input.length > MAX_ADDRESS) return { error: `is longer than ${MAX_ADDRESS} characters` };
  if (kind === 'messenger' || kind === 'webchat') return { address: input };
  let phone = input.replace(/^whatsapp:/i, '');
  if (kind === 'whatsapp' && /^\d+$/.test(phone)) phone = `+${phone}`;
  const parsed = parsePhoneNumberFromString(phone, defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) return { error: 'is not a valid phone number' };
  return { address: parsed.number };
}
