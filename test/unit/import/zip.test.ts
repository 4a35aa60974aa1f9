import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { ContactFileError, openRows } from '../../../platform/import/rows';
import { checkZipBudget } from '../../../platform/import/zip';
import { makeZip } from '../../helpers/zip';

describe('the unpacked-size budget of an .xlsx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-zip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (bytes: Buffer) => {
    const path = join(dir, `f${++n}.xlsx`);
    writeFileSync(path, bytes);
    return path;
  };
  const kindOf = (err: unknown) => (err instanceof ContactFileError ? err.kind : err);
  const MB = 1024 * 1024;
  const zeros = Buffer.alloc(8 * MB);

  it('when a real workbook is under the budget, then it opens and its rows read', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('S');
    sheet.addRow(['Phone']);
    for (let i = 0; i < 500; i++) sheet.addRow([`07911 ${String(123000 + i)}`]);
    const path = write(Buffer.from(await book.xlsx.writeBuffer()));
    const file = await openRows(path, { maxUnpackedBytes: MB });
    let rows = 0;
    for await (const _ of file.rows) rows++;
    expect(rows).toBe(500);
    expect(kindOf(await openRows(path, { maxUnpackedBytes: 4096 }).catch((e) => e))).toBe('tooLargeUnpacked');
  });

  it('when a zip declares more than the budget, then it is refused', async () => {
    const path = write(makeZip([{ name: 'xl/bomb.xml', data: zeros }]));
    expect(kindOf(await checkZipBudget(path, MB).catch((e) => e))).toBe('tooLargeUnpacked');
  });

  it('when a zip lies about its sizes, then inflating it finds out', async () => {
    const path = write(makeZip([{ name: 'xl/bomb.xml', data: zeros, declaredSize: 10 }]));
    expect(kindOf(await checkZipBudget(path, MB).catch((e) => e))).toBe('tooLargeUnpacked');
    await expect(checkZipBudget(path, 16 * MB)).resolves.toBeUndefined();
  });

  it('when an entry is hidden from the central directory, then the zip is unreadable', async () => {
    const good = makeZip([{ name: 'a.xml', data: Buffer.from('<a/>') }]);
    const hidden = makeZip([{ name: 'bomb.xml', data: zeros }]);
    const hiddenLocal = hidden.subarray(0, hidden.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])));
    // The hidden entry's bytes go first; the directory's offsets are moved past it.
    const patched = Buffer.concat([hiddenLocal, good]);
    const eocd = patched.length - 22;
    patched.writeUInt32LE(patched.readUInt32LE(eocd + 16) + hiddenLocal.length, eocd + 16);
    const cd = patched.readUInt32LE(eocd + 16);
    patched.writeUInt32LE(hiddenLocal.length, cd + 42);
    expect(kindOf(await checkZipBudget(write(patched), 16 * MB).catch((e) => e))).toBe('unreadableXlsx');
  });

  it('when the file is not a zip at all, then it is unreadable', async () => {
    expect(kindOf(await checkZipBudget(write(Buffer.from('PK\x03\x04 nothing else')), MB).catch((e) => e))).toBe('unreadableXlsx');
  });
});
