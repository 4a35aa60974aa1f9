import type { AddressResult } from './provider';

const MAX_ADDRESS = 128;

/** An opaque address (a page-scoped id, a visitor id): trimmed, present and not too long. */
export function plainAddress(raw: string): AddressResult {
  const address = raw.trim();
  if (!address) return { error: 'is empty' };
  if (address.length > MAX_ADDRESS) return { error: `is longer than ${MAX_ADDRESS} characters` };
  return { address };
}
