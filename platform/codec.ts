import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const KEY_ID_HEADER = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? new Uint8Array());

/** The data converter of every client and worker: the codec, and failures encoded by it too. */
export function dataConverter(codec: PayloadCodec) {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The payload key derived from the master key; its id lets a later key rotation read old histories. */
export function payloadKey(masterKey: Buffer): { id: string; key: Buffer } {
  return { id: 'm1', key: Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'parley-payloads-v1', 32)) };
}

/**
 * AES-256-GCM over whole payloads, so contact fields and message texts in
 * workflow inputs, signals and activity results are not stored in the clear
 * in Temporal's histories. Payloads it did not encrypt pass through.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly current: { id: string; key: Buffer },
    older: { id: string; key: Buffer }[] = [],
  ) {
    this.keys = new Map([current, ...older].map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCODING), [KEY_ID_HEADER]: utf8(this.current.id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_HEADER]);
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`no payload key with id ${keyId}`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
