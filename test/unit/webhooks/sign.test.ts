import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signatureHeaders } from '../../../platform/webhooks/sign';

const URL_ = 'https://hooks.example.com/parley';
const EVENT_ID = '3f0c2a56-8d0e-4d52-9a51-2b1c9f2f7e11';
const BODY = JSON.stringify({ id: EVENT_ID, type: 'outcomeSet', sequence: 3, data: { outcome: 'Paid' } });

/** What a receiver does with the JWT: verify it with the secret as its key, then check the body against body_sha256. */
async function verifyJwt(headers: Record<string, string>, body: string, secret: string, now = new Date()) {
  const token = headers.authorization?.replace(/^Bearer /, '');
  const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
    issuer: 'parley',
    audience: URL_,
    algorithms: ['HS256'],
    maxTokenAge: '5m',
    currentDate: now,
  });
  if (payload.body_sha256 !== createHash('sha256').update(body).digest('hex')) throw new Error('body does not match body_sha256');
  return payload;
}

const verifyStandard = (headers: Record<string, string>, body: string, secret: string) => new Webhook(secret).verify(body, headers);

describe('a delivery is signed twice: a JWT that jose verifies and Standard Webhooks headers that the standardwebhooks package verifies', () => {
  const secret = newWebhookSecret();
  const signed = (secrets = [secret], now = new Date()) => signatureHeaders({ url: URL_, eventId: EVENT_ID, body: BODY, secrets, now });

  it('when nothing was changed, then both verify and carry the event id', async () => {
    const headers = signed();
    const claims = await verifyJwt(headers, BODY, secret);
    expect(claims).toMatchObject({ iss: 'parley', aud: URL_, jti: EVENT_ID });
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    expect(verifyStandard(headers, BODY, secret)).toEqual(JSON.parse(BODY));
    expect(headers['webhook-id']).toBe(EVENT_ID);
  });

  it('when the secret was rotated, then the headers verify with the old and the new secret, and the JWT with the new', async () => {
    const next = newWebhookSecret();
    const headers = signed([next, secret]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => verifyStandard(headers, BODY, secret)).not.toThrow();
    expect(() => verifyStandard(headers, BODY, next)).not.toThrow();
    await expect(verifyJwt(headers, BODY, next)).resolves.toMatchObject({ jti: EVENT_ID });
    await expect(verifyJwt(headers, BODY, secret)).rejects.toThrow(/signature/);
  });

  it('when the body was tampered with, then neither verifies', async () => {
    const headers = signed();
    const tampered = BODY.replace('Paid', 'Unpaid');
    await expect(verifyJwt(headers, tampered, secret)).rejects.toThrow(/body_sha256/);
    expect(() => verifyStandard(headers, tampered, secret)).toThrow();
  });

  it('when the receiver holds another secret, then neither verifies', async () => {
    const headers = signed();
    const other = newWebhookSecret();
    await expect(verifyJwt(headers, BODY, other)).rejects.toThrow(/signature/);
    expect(() => verifyStandard(headers, BODY, other)).toThrow();
  });

  it('when the timestamp is more than five minutes old or in the future, then neither verifies', async () => {
    const now = new Date();
    for (const offsetMs of [-6 * 60_000, 6 * 60_000]) {
      const headers = signed([secret], new Date(now.getTime() + offsetMs));
      await expect(verifyJwt(headers, BODY, secret, now)).rejects.toThrow(/"(exp|iat)"/);
      expect(() => verifyStandard(headers, BODY, secret)).toThrow(/timestamp/i);
    }
  });

  it('when a header is missing, then it does not verify', async () => {
    for (const missing of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'authorization']) {
      const headers = { ...signed() };
      delete headers[missing];
      if (missing === 'authorization') await expect(verifyJwt(headers, BODY, secret)).rejects.toThrow();
      else expect(() => verifyStandard(headers, BODY, secret)).toThrow();
    }
  });
});
