import { Resolver as DnsResolver, lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type AllowEntry, inAllowedRange, isMetadata, nonPublicRange, parseAddress, parseAllowEntry } from './address';

// A save must not hang on a slow name server.
const RESOLVE_TIMEOUT_MS = 5_000;

/** Resolves a host name to every address it has. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Asks the given name servers directly (A and AAAA), for deployments whose outbound names must come from a resolver
 * of their own rather than the host's.
 */
export function dnsResolver(servers: readonly string[]): Resolver {
  const dns = new DnsResolver({ timeout: 2_000, tries: 2 });
  dns.setServers([...servers]);
  return async (host) => {
    if (isIP(host)) return [host];
    const [v4, v6] = await Promise.allSettled([dns.resolve4(host), dns.resolve6(host)]);
    const found = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (found.length === 0 && v4.status === 'rejected') throw v4.reason;
    return found;
  };
}

/** The policy a stack's configuration sets: its allow-list, and its name servers if it names any. */
export const configuredPolicy = (config: { OUTBOUND_ALLOW: readonly string[]; OUTBOUND_DNS_SERVERS: readonly string[] }) =>
  outboundPolicy(config.OUTBOUND_ALLOW, config.OUTBOUND_DNS_SERVERS.length ? dnsResolver(config.OUTBOUND_DNS_SERVERS) : systemResolver);

/** Where outbound requests (enrichment, webhooks) may go. */
export interface OutboundPolicy {
  allow: AllowEntry[];
  resolve: Resolver;
}

/** The request was refused before it left: the reason is safe to show to the org. */
export class OutboundRefusedError extends Error {
  override name = 'OutboundRefusedError';
}

/**
 * A policy from allow-list entries (host names, IP addresses, CIDR ranges).
 * A listed host name may be reached over plain http and on any address but
 * metadata; a listed range makes its addresses reachable, and its literal IPs
 * reachable over plain http.
 */
export function outboundPolicy(entries: readonly string[], resolve: Resolver = systemResolver): OutboundPolicy {
  const allow = entries.map((e) => {
    const parsed = parseAllowEntry(e);
    if (!parsed) throw new Error(`not a host name, IP address or CIDR range: ${e}`);
    return parsed;
  });
  return { allow, resolve };
}

const bareHost = (hostname: string) => {
  const h = hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) return h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
};

const listedByName = (host: string, policy: OutboundPolicy) => policy.allow.some((a) => 'host' in a && a.host === host);

/** Throws unless the address may be connected to for this host. */
export function checkAddress(ip: string, hostname: string, policy: OutboundPolicy): void {
  const addr = parseAddress(ip);
  if (!addr) throw new OutboundRefusedError(`host resolved to something that is not an IP address`);
  if (isMetadata(addr)) throw new OutboundRefusedError('is a cloud metadata address');
  const range = nonPublicRange(addr);
  if (!range || listedByName(bareHost(hostname), policy) || inAllowedRange(addr, policy.allow)) return;
  const literal = parseAddress(bareHost(hostname));
  const article = /^([aeio]|un(?!i))/i.test(range) ? 'an' : 'a';
  throw new OutboundRefusedError(`${literal ? 'is' : 'resolves to'} ${article} ${range} address`);
}

/** The checks that need no DNS: scheme, credentials, and a literal IP host. */
export function checkUrlShape(raw: string | URL, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefusedError('is not a URL');
  }
  const host = bareHost(url.hostname);
  const literal = parseAddress(host);
  if (url.protocol === 'http:') {
    const trusted = literal ? inAllowedRange(literal, policy.allow) && !isMetadata(literal) : listedByName(host, policy);
    if (!trusted) throw new OutboundRefusedError('must use https (plain http only for hosts on the allow-list)');
  } else if (url.protocol !== 'https:') {
    throw new OutboundRefusedError('must use https');
  }
  if (url.username || url.password) throw new OutboundRefusedError('must not contain a user name or password');
  if (literal) checkAddress(host, host, policy);
  return url;
}

/** Checks a URL before it is saved: its shape, then every address its host resolves to today. */
export async function checkUrl(raw: string | URL, policy: OutboundPolicy): Promise<URL> {
  const url = checkUrlShape(raw, policy);
  const host = bareHost(url.hostname);
  if (parseAddress(host)) return url;
  let addresses: string[];
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), RESOLVE_TIMEOUT_MS)));
    addresses = await Promise.race([policy.resolve(host), late]);
  } catch {
    throw new OutboundRefusedError('host does not resolve');
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) throw new OutboundRefusedError('host does not resolve');
  for (const a of addresses) checkAddress(a, host, policy);
  return url;
}
