import { createReadStream } from 'node:fs';

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'win1252';

/** The encoding a BOM declares, if any. */
export function bomEncoding(head: Buffer): TextEncoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  return undefined;
}

/**
 * Without a BOM, a file is UTF-8 only if every byte of it is: a Windows-1252 export is often plain ASCII
 * for thousands of rows before its first "é". So this scans the whole file, streamed, stopping at the
 * first invalid sequence.
 */
export async function isValidUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      decoder.decode(chunk as Buffer, { stream: true });
    }
    decoder.decode();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return false;
    throw error;
  }
}

/**
 * Text files hold no NUL bytes and few control characters; binary files (images, archives, a random
 * blob renamed .csv) have plenty. UTF-16 is only recognised by its BOM, so its NULs are never looked at here.
 */
export function looksBinary(head: Buffer): boolean {
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return true;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) control++;
  }
  return control > head.length / 100;
}

export async function detectEncoding(path: string, head: Buffer): Promise<TextEncoding> {
  return bomEncoding(head) ?? ((await isValidUtf8(path)) ? 'utf8' : 'win1252');
}
