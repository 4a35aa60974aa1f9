import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { ContactFileError } from './errors';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64 = 0xffffffff;
const STORED = 0;
const DEFLATED = 8;

interface Entry {
  offset: number;
  compressed: number;
  method: number;
}

/**
 * Refuses a zip (an .xlsx) that would unpack to more than `maxBytes`: a zip bomb. The declared sizes
 * are checked first, then every entry is really inflated and counted, because declared sizes can lie.
 * The entries must also tile the file up to the central directory, so that no entry hidden from the
 * directory can reach a reader that walks the local headers in order (as the streaming XLSX reader does).
 */
export async function checkZipBudget(path: string, maxBytes: number): Promise<void> {
  const file = await open(path, 'r');
  let entries: Entry[];
  try {
    const size = (await file.stat()).size;
    const tailSize = Math.min(size, EOCD_SIZE + MAX_COMMENT);
    const tail = Buffer.alloc(tailSize);
    await file.read(tail, 0, tailSize, size - tailSize);
    let eocd = -1;
    for (let i = tailSize - EOCD_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ContactFileError('unreadableXlsx');
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (dirSize === ZIP64 || dirOffset === ZIP64 || dirOffset + dirSize > size) throw new ContactFileError('unreadableXlsx');
    const dir = Buffer.alloc(dirSize);
    await file.read(dir, 0, dirSize, dirOffset);

    entries = [];
    let declared = 0;
    for (let p = 0, i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new ContactFileError('unreadableXlsx');
      const method = dir.readUInt16LE(p + 10);
      const compressed = dir.readUInt32LE(p + 20);
      const unpacked = dir.readUInt32LE(p + 24);
      const offset = dir.readUInt32LE(p + 42);
      if (compressed === ZIP64 || unpacked === ZIP64 || offset === ZIP64) throw new ContactFileError('unreadableXlsx');
      if (method !== STORED && method !== DEFLATED) throw new ContactFileError('unreadableXlsx');
      declared += unpacked;
      if (declared > maxBytes) throw new ContactFileError('tooLargeUnpacked');
      entries.push({ offset, compressed, method });
      p += 46 + dir.readUInt16LE(p + 28) + dir.readUInt16LE(p + 30) + dir.readUInt16LE(p + 32);
    }

    entries.sort((a, b) => a.offset - b.offset);
    let expected = 0;
    for (const entry of entries) {
      if (entry.offset !== expected) throw new ContactFileError('unreadableXlsx');
      const local = Buffer.alloc(30);
      await file.read(local, 0, 30, entry.offset);
      if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new ContactFileError('unreadableXlsx');
      const dataStart = entry.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      Object.assign(entry, { offset: dataStart });
      expected = dataStart + entry.compressed;
      if (local.readUInt16LE(6) & 0x08) expected += await descriptorSize(file, expected);
    }
    if (expected !== dirOffset) throw new ContactFileError('unreadableXlsx');
  } finally {
    await file.close();
  }

  let unpacked = 0;
  for (const entry of entries) {
    unpacked = await countUnpacked(path, entry, unpacked, maxBytes);
  }
}

/** A data descriptor is 12 bytes, or 16 with its optional signature. */
async function descriptorSize(file: Awaited<ReturnType<typeof open>>, at: number): Promise<number> {
  const sig = Buffer.alloc(4);
  await file.read(sig, 0, 4, at);
  return sig.readUInt32LE(0) === DESCRIPTOR_SIGNATURE ? 16 : 12;
}

/** Inflates one entry, counting; stops as soon as the running total is over the budget. */
async function countUnpacked(path: string, entry: Entry, before: number, maxBytes: number): Promise<number> {
  if (entry.compressed === 0) return before;
  const source = createReadStream(path, { start: entry.offset, end: entry.offset + entry.compressed - 1 });
  if (entry.method === STORED) {
    source.destroy();
    const total = before + entry.compressed;
    if (total > maxBytes) throw new ContactFileError('tooLargeUnpacked');
    return total;
  }
  const inflate = createInflateRaw();
  let total = before;
  try {
    source.pipe(inflate);
    source.on('error', (err) => inflate.destroy(err));
    for await (const chunk of inflate) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw new ContactFileError('tooLargeUnpacked');
    }
  } catch (err) {
    if (err instanceof ContactFileError) throw err;
    throw new ContactFileError('unreadableXlsx');
  } finally {
    source.destroy();
    inflate.destroy();
  }
  return total;
}
