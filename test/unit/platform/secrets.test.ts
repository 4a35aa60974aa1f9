import { randomBytes } from 'node:crypto';
import { SecretBox, isSealed, secretBox, secretsKey } from '../../../platform/secrets';

describe('channel secrets at rest', () => {
  const master = randomBytes(32);
  const box = secretBox(master);

  it('when a field is sealed, then it opens to the same text and holds neither it nor a fixed ciphertext', () => {
    const a = box.seal('authToken', 'token-0123456789');
    const b = box.seal('authToken', 'token-0123456789');
    expect(a.sealed).toMatch(/^s1:[A-Za-z0-9+/]+=*$/);
    expect(a.sealed).not.toContain('token');
    expect(a).not.toEqual(b);
    expect(box.open('authToken', a)).toBe('token-0123456789');
  });

  it.each([
    ['another field', (s: string) => s, 'webhookSecret', box],
    ['a changed byte', (s: string) => `s1:${flip(s.slice(3))}`, 'authToken', box],
    ['another master key', (s: string) => s, 'authToken', secretBox(randomBytes(32))],
    ['an unknown key id', (s: string) => s.replace(/^s1:/, 's9:'), 'authToken', box],
  ])('when a sealed value is opened with %s, then it throws', (_what, change, field, opener) => {
    const sealed = box.seal('authToken', 'token-0123456789');
    expect(() => opener.open(field, { sealed: change(sealed.sealed) })).toThrow();
  });

  it('when the key is rotated, then values sealed with the older key still open and new ones use the new key', () => {
    const sealed = box.seal('authToken', 'old');
    const rotated = new SecretBox({ id: 's2', key: randomBytes(32) }, [secretsKey(master)]);
    expect(rotated.open('authToken', sealed)).toBe('old');
    expect(rotated.seal('authToken', 'new').sealed).toMatch(/^s2:/);
  });

  it('when a configuration is sealed and opened, then only its secret string fields change, and plain ones pass through open', () => {
    const config = { accountSid: 'AC1', authToken: 'secret-token', webhookSecret: 'w'.repeat(32) };
    const stored = box.sealFields(config, ['authToken', 'webhookSecret']);
    expect(stored.accountSid).toBe('AC1');
    expect(isSealed(stored.authToken) && isSealed(stored.webhookSecret)).toBe(true);
    expect(box.sealFields(stored, ['authToken'])).toEqual(stored);
    expect(box.openFields(stored, ['authToken', 'webhookSecret'])).toEqual(config);
    expect(box.openFields(config, ['authToken'])).toEqual(config);
  });
});

function flip(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 20] ^= 1;
  return bytes.toString('base64');
}
