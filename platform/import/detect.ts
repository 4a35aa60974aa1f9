import { open } from 'node:fs/promises';

export type FileFormat = 'csv' | 'xlsx' | 'xls';

/** Reads at most `size` bytes from the start of the file: enough to sniff, never the whole file. */
export async function readHead(path: string, size = 64 * 1024): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** The format from the bytes, never the file name: uploads arrive with whatever name the sender's tool gave them. */
export function detectFormat(head: Buffer): FileFormat {
  if (head.subarray(0, 4).equals(ZIP)) return 'xlsx';
  if (head.subarray(0, 8).equals(OLE2)) return 'xls';
  return 'csv';
}
