import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'enc:v1:';

/** An organisation's data key, unwrapped: 32 bytes and the id its envelopes name. */
export interface DataKey {
  id: string;
  key: Buffer;
}

/** The key that wraps data keys, derived from the master key; its id (a fingerprint) tells which master key wrapped a row. */
export interface WrappingKey {
  id: string;
  key: Buffer;
}

export function wrappingKey(masterKey: Buffer): WrappingKey {
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'parley-data-keys-v1', 32));
  return { id: createHmac('sha256', key).update('parley-wrapping-key-id').digest('hex').slice(0, 16), key };
}

export const newDataKey = (): Buffer => randomBytes(32);

function seal(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(aad));
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Buffer, data: Buffer, aad: string): Buffer {
  if (data.length < IV_BYTES + TAG_BYTES) throw new Error('sealed data too short');
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES)).setAAD(Buffer.from(aad));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
}

/** A data key wrapped (AES-256-GCM) for storage, bound to its org and key id so a wrapped key moved to another row does not open. */
export const wrapDataKey = (wk: WrappingKey, orgId: string, keyId: string, dataKey: Buffer): Buffer =>
  seal(wk.key, dataKey, `${orgId}:${keyId}`);

export const unwrapDataKey = (wk: WrappingKey, orgId: string, keyId: string, wrapped: Buffer): Buffer =>
  open(wk.key, wrapped, `${orgId}:${keyId}`);

/** True when a stored text is an envelope rather than plaintext written before encryption. */
export const isEnvelope = (value: string): boolean => value.startsWith(PREFIX);

/** The data key id an envelope names. */
export function envelopeKeyId(value: string): string {
  const keyId = value.slice(PREFIX.length).split(':', 1)[0];
  if (!isEnvelope(value) || !keyId) throw new Error('not an envelope');
  return keyId;
}

/** `enc:v1:<key id>:<base64 of iv, ciphertext and tag>`; the org id is authenticated with it, so an envelope copied to another org does not open. */
export function sealText(key: DataKey, orgId: string, plain: string): string {
  return `${PREFIX}${key.id}:${seal(key.key, Buffer.from(plain, 'utf8'), orgId).toString('base64')}`;
}

export function openText(key: DataKey, orgId: string, value: string): string {
  if (envelopeKeyId(value) !== key.id) throw new Error(`envelope is not under data key ${key.id}`);
  const b64 = value.slice(PREFIX.length + key.id.length + 1);
  return open(key.key, Buffer.from(b64, 'base64'), orgId).toString('utf8');
}
