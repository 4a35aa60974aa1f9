import { randomBytes } from 'node:crypto';
import {
  envelopeKeyId,
  isEnvelope,
  newDataKey,
  openText,
  sealText,
  unwrapDataKey,
  wrapDataKey,
  wrappingKey,
} from '../../../platform/envelope';

const ORG = '6f1f5a52-8d57-4a39-9a7c-1c1f1e7a0001';
const OTHER_ORG = '6f1f5a52-8d57-4a39-9a7c-1c1f1e7a0002';

describe('envelopes of personal texts', () => {
  const key = { id: 'k0123456789abcdef', key: newDataKey() };

  it('when a text is sealed, then it is a self-describing envelope naming its key, that opens to the same text', () => {
    const a = sealText(key, ORG, 'my parcel never came');
    const b = sealText(key, ORG, 'my parcel never came');
    expect(a).toMatch(/^enc:v1:k0123456789abcdef:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toContain('parcel');
    expect(a).not.toBe(b);
    expect(isEnvelope(a)).toBe(true);
    expect(isEnvelope('my parcel never came')).toBe(false);
    expect(envelopeKeyId(a)).toBe(key.id);
    expect(openText(key, ORG, a)).toBe('my parcel never came');
    expect(openText(key, ORG, sealText(key, ORG, ''))).toBe('');
    expect(openText(key, ORG, sealText(key, ORG, '🙂 مرحبا'))).toBe('🙂 مرحبا');
  });

  const flip = (envelope: string) => {
    const prefix = envelope.slice(0, envelope.lastIndexOf(':') + 1);
    const data = Buffer.from(envelope.slice(prefix.length), 'base64');
    data[data.length - 1] ^= 1;
    return prefix + data.toString('base64');
  };

  it.each([
    ['a wrong key with the same id', (s: string) => s, { id: 'k0123456789abcdef', key: newDataKey() }, ORG],
    ['another key id', (s: string) => s, { id: 'kffffffffffffffff', key: key.key }, ORG],
    ['a changed tag byte', flip, key, ORG],
    ['a truncated envelope', (s: string) => s.slice(0, 30), key, ORG],
    ["another org's id", (s: string) => s, key, OTHER_ORG],
  ])('when an envelope is opened with %s, then it throws', (_what, change, opener, org) => {
    expect(() => openText(opener, org, change(sealText(key, ORG, 'secret text')))).toThrow();
  });

  it('when a data key is wrapped, then only the same master key, org and key id unwrap it', () => {
    const master = randomBytes(32);
    const wk = wrappingKey(master);
    const dataKey = newDataKey();
    const wrapped = wrapDataKey(wk, ORG, 'k1', dataKey);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(unwrapDataKey(wrappingKey(master), ORG, 'k1', wrapped)).toEqual(dataKey);
    expect(wrappingKey(master).id).toBe(wk.id);
    expect(wrappingKey(randomBytes(32)).id).not.toBe(wk.id);
    expect(() => unwrapDataKey(wrappingKey(randomBytes(32)), ORG, 'k1', wrapped)).toThrow();
    expect(() => unwrapDataKey(wk, OTHER_ORG, 'k1', wrapped)).toThrow();
    expect(() => unwrapDataKey(wk, ORG, 'k2', wrapped)).toThrow();
  });
});
