import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A secret field as stored: `<key id>:<base64 of iv, ciphertext and tag>`, inside an object so no plain string is mistaken for one. */
export interface SealedSecret {
  sealed: string;
}

export interface SecretKey {
  id: string;
  key: Buffer;
}

/** The channel-secrets key derived from the master key; its id lets a key rotation still open old rows. */
export function secretsKey(masterKey: Buffer): SecretKey {
  return { id: 's1', key: Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'parley-channel-secrets-v1', 32)) };
}

export const isSealed = (value: unknown): value is SealedSecret =>
  typeof value === 'object' && value !== null && typeof (value as SealedSecret).sealed === 'string';

/**
 * AES-256-GCM over the secret fields of a channel's configuration (tokens,
 * webhook secrets). The field name is authenticated with it, so a sealed value
 * moved to another field does not open. Plain values pass through `open`, as
 * rows written before encryption and test fixtures hold them.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly current: SecretKey,
    older: SecretKey[] = [],
  ) {
    this.keys = new Map([current, ...older].map((k) => [k.id, k.key]));
  }

  seal(field: string, plain: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv).setAAD(Buffer.from(field));
    const data = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { sealed: `${this.current.id}:${data.toString('base64')}` };
  }

  open(field: string, value: SealedSecret): string {
    const [keyId, b64] = value.sealed.split(':', 2);
    const key = this.keys.get(keyId);
    if (!key || !b64) throw new Error(`no channel-secrets key with id ${keyId}`);
    const data = Buffer.from(b64, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES)).setAAD(Buffer.from(field));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  /** The configuration with its secret fields sealed; fields already sealed stay as they are. */
  sealFields(config: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
    const out = { ...config };
    for (const field of secrets) if (typeof out[field] === 'string') out[field] = this.seal(field, out[field]);
    return out;
  }

  /** The configuration with its secret fields opened, for sending and for verifying webhooks only. */
  openFields(config: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
    const out = { ...config };
    for (const field of secrets) {
      const value = out[field];
      if (isSealed(value)) out[field] = this.open(field, value);
    }
    return out;
  }
}

/** The box for this master key. */
export const secretBox = (masterKey: Buffer) => new SecretBox(secretsKey(masterKey));
