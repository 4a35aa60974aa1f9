import { loadConfig } from '../../../config';
import { type Resolver, checkUrl, outboundPolicy, systemResolver } from '../../../platform/outbound';

const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:2800:220:1:248:1893:25c8:1946';

/** A fake DNS: names map to addresses; anything else does not resolve. */
const dns =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    if (table[host]) return table[host];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };

const names = dns({
  'example.test': [PUBLIC_V4, PUBLIC_V6],
  'loopback.test': ['127.0.0.1'],
  'mixed.test': [PUBLIC_V4, '10.0.0.7'],
  'mapped.test': ['::ffff:169.254.169.254'],
  'internal.test': ['10.2.3.4'],
  'enrich.internal': ['192.168.1.5'],
  'meta.internal': ['169.254.169.254'],
});

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'allowed',
    (err: Error) => `${err.name}: ${err.message}`,
  );

describe('checkUrl with an empty allow-list', () => {
  const policy = outboundPolicy([], names);

  it.each([
    ['https://example.test/balance', 'allowed'],
    [`https://${PUBLIC_V4}/x`, 'allowed'],
    [`https://[${PUBLIC_V6}]/x`, 'allowed'],
    ['http://example.test/x', /must use https/],
    ['http://169.254.169.254/latest/meta-data', /must use https/],
    ['https://169.254.169.254/latest/meta-data', /metadata/],
    ['https://[fd00:ec2::254]/', /metadata/],
    ['https://[::ffff:169.254.169.254]/', /metadata/],
    ['https://168.63.129.16/', /metadata/],
    ['https://100.100.100.200/', /metadata/],
    ['https://127.0.0.1/', /is a loopback address/],
    ['https://2130706433/', /is a loopback address/],
    ['https://0x7f000001/', /is a loopback address/],
    ['https://0177.0.0.1/', /is a loopback address/],
    ['https://127.1/', /is a loopback address/],
    ['https://[::1]/', /is a loopback address/],
    ['https://[::ffff:127.0.0.1]/', /is a loopback address/],
    ['https://[::ffff:7f00:1]/', /is a loopback address/],
    ['https://[::7f00:1]/', /is a reserved address/],
    ['https://0.0.0.0/', /is an unspecified address/],
    ['https://[::]/', /is an unspecified address/],
    ['https://10.1.2.3/', /is a private address/],
    ['https://172.16.0.1/', /is a private address/],
    ['https://192.168.1.1/', /is a private address/],
    ['https://100.64.0.1/', /is a carrierGradeNat address/],
    ['https://169.254.10.10/', /is a linkLocal address/],
    ['https://[fe80::1]/', /is a linkLocal address/],
    ['https://[fc00::1]/', /is a uniqueLocal address/],
    ['https://[64:ff9b::7f00:1]/', /is a rfc6052 address/],
    ['https://[2002:7f00:1::]/', /is a 6to4 address/],
    ['https://224.0.0.1/', /is a multicast address/],
    ['https://loopback.test/', /resolves to a loopback address/],
    ['https://mixed.test/', /resolves to a private address/],
    ['https://mapped.test/', /metadata/],
    ['https://nowhere.test/', /host does not resolve/],
    ['ftp://example.test/x', /must use https/],
    ['file:///etc/passwd', /must use https/],
    ['https://user:secret@example.test/', /user name or password/],
    ['not a url', /is not a URL/],
  ])('%s: %s', async (url, expected) => {
    const got = await outcome(checkUrl(url, policy));
    if (expected === 'allowed') expect(got).toBe('allowed');
    else expect(got).toMatch(new RegExp(`^OutboundRefusedError: .*${(expected as RegExp).source}`));
  });

  it('when a name resolves to loopback through the real resolver (localhost), then it is refused', async () => {
    expect(await outcome(checkUrl('https://localhost:8443/x', outboundPolicy([], systemResolver)))).toMatch(
      /^OutboundRefusedError: resolves to a loopback address/,
    );
  });
});

describe('checkUrl with an allow-list', () => {
  const policy = outboundPolicy(['127.0.0.1', 'enrich.internal', 'meta.internal', '10.0.0.0/8', '169.254.0.0/16'], names);

  it.each([
    ['http://127.0.0.1:8080/x', 'allowed'],
    ['http://2130706433:8080/x', 'allowed'],
    ['http://127.0.0.2/x', /must use https/],
    ['https://127.0.0.2/x', /is a loopback address/],
    ['http://enrich.internal/x', 'allowed'],
    ['https://internal.test/x', 'allowed'],
    ['http://internal.test/x', /must use https/],
    ['http://10.9.9.9/x', 'allowed'],
    ['http://169.254.169.254/latest/meta-data', /must use https/],
    ['https://169.254.169.254/latest/meta-data', /metadata/],
    ['http://meta.internal/x', /metadata/],
    ['https://192.168.1.1/x', /is a private address/],
  ])('%s: %s', async (url, expected) => {
    const got = await outcome(checkUrl(url, policy));
    if (expected === 'allowed') expect(got).toBe('allowed');
    else expect(got).toMatch(new RegExp(`^OutboundRefusedError: .*${(expected as RegExp).source}`));
  });

  it('when an entry is neither a host, an address nor a range, then configuration fails at start-up naming the variable', () => {
    expect(() => loadConfig({ OUTBOUND_ALLOW: '127.0.0.1, not a host' })).toThrow(/OUTBOUND_ALLOW/);
    expect(loadConfig({ OUTBOUND_ALLOW: '127.0.0.1, enrich.internal,10.0.0.0/8' }).OUTBOUND_ALLOW).toEqual([
      '127.0.0.1',
      'enrich.internal',
      '10.0.0.0/8',
    ]);
  });
});
