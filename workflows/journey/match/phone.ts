import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/min';

/** The region of a locale such as "en-GB", else the UK's. */
export function regionOf(locale: string): CountryCode {
  const region = /[-_]([A-Za-z]{2})$/.exec(locale)?.[1];
  return (region?.toUpperCase() ?? 'GB') as CountryCode;
}

/** The first valid phone number in a reply in E.164 ("+447911123456"); national numbers are read in the locale's region. */
export function matchPhone(text: string, locale: string): string | undefined {
  const found = findPhoneNumbersInText(text.slice(0, 1_000), { defaultCountry: regionOf(locale) });
  return found.find((f) => f.number.isValid())?.number.number;
}
