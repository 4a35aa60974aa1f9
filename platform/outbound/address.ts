import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

// Cloud instance metadata and host services: never reachable, whatever the allow-list says.
const METADATA = [
  '169.254.169.254',
  '169.254.170.2',
  '169.254.169.253',
  '168.63.129.16',
  '100.100.100.200',
  'fd00:ec2::254',
  'fd00:ec2::23',
];
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** An IP address, with IPv4-mapped IPv6 (::ffff:127.0.0.1) unwrapped to IPv4. */
export function parseAddress(ip: string): Address | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!isIP(bare)) return undefined;
  const addr = ipaddr.parse(bare);
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

export const isMetadata = (addr: Address) => METADATA.some((m) => parseAddress(m)!.toNormalizedString() === addr.toNormalizedString());

/** Why an address is not public (loopback, private, linkLocal...), or undefined for a public unicast address. */
export function nonPublicRange(addr: Address): string | undefined {
  if (isMetadata(addr)) return 'metadata';
  const range = addr.range();
  if (range !== 'unicast') return range;
  // Outside 2000::/3 nothing is global unicast (IPv4-compatible ::/96 among others).
  if (addr.kind() === 'ipv6' && !addr.match(GLOBAL_UNICAST_V6)) return 'reserved';
  return undefined;
}

export type AllowEntry = { host: string } | { cidr: [Address, number] };

/** Parses allow-list entries: a host name, an IP address or a CIDR range. */
export function parseAllowEntry(entry: string): AllowEntry | undefined {
  const e = entry.trim().toLowerCase();
  if (e.includes('/')) {
    try {
      return { cidr: ipaddr.parseCIDR(e) };
    } catch {
      return undefined;
    }
  }
  const addr = parseAddress(e);
  if (addr) return { cidr: [addr, addr.kind() === 'ipv4' ? 32 : 128] };
  return /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$/.test(e) ? { host: e } : undefined;
}

export const inAllowedRange = (addr: Address, allow: AllowEntry[]) =>
  allow.some((a) => 'cidr' in a && a.cidr[0].kind() === addr.kind() && addr.match(a.cidr));
