import { getCountry } from 'countries-and-timezones';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The recipient's time zone: their phone number's country's, when that country
 * has a single zone; otherwise (several zones, or no phone number) `fallback`.
 */
export function recipientZone(address: string, fallback: string): string {
  const phone = address.replace(/^whatsapp:/i, '');
  if (!phone.startsWith('+')) return fallback;
  const country = parsePhoneNumberFromString(phone)?.country;
  const zones = country ? getCountry(country)?.timezones : undefined;
  return zones?.length === 1 ? zones[0] : fallback;
}
