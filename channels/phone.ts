import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { plainAddress } from './address';
import type { AddressResult } from './provider';

/**
 * A phone number in E.164, read against the org's default country. A
 * `whatsapp:` prefix (Twilio's) is dropped; with `bareDigitsInternational`, digits
 * alone are an international number without its `+` (WhatsApp's `wa_id`).
 */
export function phoneAddress(raw: string, defaultCountry: string, opts: { bareDigitsInternational?: boolean } = {}): AddressResult {
  const plain = plainAddress(raw);
  if ('error' in plain) return plain;
  let phone = plain.address.replace(/^whatsapp:/i, '');
  if (opts.bareDigitsInternational && /^\d+$/.test(phone)) phone = `+${phone}`;
  const parsed = parsePhoneNumberFromString(phone, defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) return { error: 'is not a valid phone number' };
  return { address: parsed.number };
}
