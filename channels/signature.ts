import { createHmac, timingSafeEqual } from 'node:crypto';

/** Whether `header` is `sha256=<hex HMAC-SHA256(secret, body)>`, compared in constant time. */
export function validHmacSha256(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !secret) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

export function hmacSha256Header(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
