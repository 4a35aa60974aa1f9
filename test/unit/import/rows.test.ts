import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import * as XLSX from '@e965/xlsx';
import iconv from 'iconv-lite';
import { ContactFileError, openRows, type RawRow } from '../../../platform/import/rows';
import { xlsRows } from '../../../platform/import/xls';

describe('contacts file rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (bytes: Buffer | string): string => {
    const path = join(dir, `file-${++n}.csv`);
    writeFileSync(path, bytes);
    return path;
  };

  async function read(path: string) {
    const file = await openRows(path);
    const rows: RawRow[] = [];
    for await (const row of file.rows) rows.push(row);
    return { format: file.format, csv: file.csv, header: file.header, rows };
  }

  it.each([
    [
      'UTF-8 with BOM, ; delimited',
      () => write(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Phone;Name\n+447911123456;Zoë\n')])),
      { encoding: 'utf8', delimiter: ';' },
      ['Phone', 'Name'],
      [{ row: 2, cells: ['+447911123456', 'Zoë'] }],
    ],
    [
      'UTF-16LE with BOM, tab delimited',
      () => write(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('Phone\tName\n07911 123456\tŁucja\n', 'utf16le')])),
      { encoding: 'utf16le', delimiter: '\t' },
      ['Phone', 'Name'],
      [{ row: 2, cells: ['07911 123456', 'Łucja'] }],
    ],
    [
      'UTF-16BE with BOM, comma delimited',
      () => write(Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode('Phone,Name\n1,Ana\n', 'utf16be')])),
      { encoding: 'utf16be', delimiter: ',' },
      ['Phone', 'Name'],
      [{ row: 2, cells: ['1', 'Ana'] }],
    ],
    [
      'Windows-1252 with é and £ after many ASCII rows',
      () => write(iconv.encode(`Phone,Name,Owed\n${'1,a,b\n'.repeat(5000)}2,Renée,£5\n`, 'win1252')),
      { encoding: 'win1252', delimiter: ',' },
      ['Phone', 'Name', 'Owed'],
      [...Array.from({ length: 5000 }, (_, i) => ({ row: i + 2, cells: ['1', 'a', 'b'] })), { row: 5002, cells: ['2', 'Renée', '£5'] }],
    ],
    [
      'a quoted newline and quoted delimiters, blank line and empty cell',
      () => write('Phone,Note,City\r\n1,"line one\r\nline, two",Paris\r\n\r\n2,,"Say ""hi"""\r\n'),
      { encoding: 'utf8', delimiter: ',' },
      ['Phone', 'Note', 'City'],
      [
        { row: 2, cells: ['1', 'line one\r\nline, two', 'Paris'] },
        { row: 4, cells: ['2', null, 'Say "hi"'] },
      ],
    ],
    [
      'pipes, with commas inside cells',
      () => write('Phone|Name|Address\n1|Ana|1, High St\n2|Bo|2, Low St\n'),
      { encoding: 'utf8', delimiter: '|' },
      ['Phone', 'Name', 'Address'],
      [
        { row: 2, cells: ['1', 'Ana', '1, High St'] },
        { row: 3, cells: ['2', 'Bo', '2, Low St'] },
      ],
    ],
    [
      'a stray quote inside an unquoted cell',
      () => write('Phone,Item\n1,5" screen\n'),
      { encoding: 'utf8', delimiter: ',' },
      ['Phone', 'Item'],
      [{ row: 2, cells: ['1', '5" screen'] }],
    ],
    [
      'a single column, no final newline',
      () => write('Phone\n1\n2'),
      { encoding: 'utf8', delimiter: ',' },
      ['Phone'],
      [
        { row: 2, cells: ['1'] },
        { row: 3, cells: ['2'] },
      ],
    ],
  ])('when the CSV is %s, then its rows come out exactly', async (_what, make, csv, header, rows) => {
    const file = await read(make());
    expect(file).toEqual({ format: 'csv', csv, header, rows });
  });

  it('when the file is an XLSX, then the first sheet comes out typed: dates as Dates, numbers, text starting with =, formula results, rich text', async () => {
    const path = join(dir, 'contacts.csv');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Contacts');
    sheet.addRow(['Phone', 'DOB', 'Balance', 'Note']);
    sheet.addRow(['+447911123456', new Date(Date.UTC(1990, 4, 17)), 12.5, '=HYPERLINK("x")']);
    sheet.addRow([]);
    sheet.addRow([447911123457, null, { formula: 'C2*2', result: 25 }, { richText: [{ text: 'bold ' }, { text: 'plain' }] }]);
    sheet.getCell('B2').numFmt = 'yyyy-mm-dd';
    workbook.addWorksheet('Other').addRow(['not', 'read']);
    await workbook.xlsx.writeFile(path);

    expect(await read(path)).toEqual({
      format: 'xlsx',
      csv: undefined,
      header: ['Phone', 'DOB', 'Balance', 'Note'],
      rows: [
        { row: 2, cells: ['+447911123456', new Date(Date.UTC(1990, 4, 17)), 12.5, '=HYPERLINK("x")'] },
        { row: 4, cells: [447911123457, null, 25, 'bold plain'] },
      ],
    });
  });

  it('when the file is a legacy .xls (BIFF8), then its first sheet comes out typed, with its file row numbers', async () => {
    const book = XLSX.utils.book_new();
    const sheet = XLSX.utils.aoa_to_sheet(
      [['Phone', 'DOB', 'Balance'], ['+447911123456', new Date(Date.UTC(1990, 4, 17)), 12.5], [], ['07911 123457', null, 3]],
      {
        cellDates: true,
      },
    );
    XLSX.utils.book_append_sheet(book, sheet, 'Contacts');
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['not', 'read']]), 'Other');
    const path = join(dir, 'legacy.xls');
    writeFileSync(path, XLSX.write(book, { type: 'buffer', bookType: 'biff8' }));

    const got = await read(path);
    expect(got.format).toBe('xls');
    expect(got.header).toEqual(['Phone', 'DOB', 'Balance']);
    expect(got.rows).toHaveLength(2);
    expect(got.rows[0]).toMatchObject({ row: 2, cells: ['+447911123456', expect.any(Date), 12.5] });
    expect((got.rows[0].cells[1] as Date).toISOString().slice(0, 10)).toBe('1990-05-17');
    expect(got.rows[1]).toEqual({ row: 4, cells: ['07911 123457', null, 3] });
  });

  it('when an .xlsx unpacks to more than the budget (a zip bomb), then it is refused before anything is inflated', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Contacts').addRows([['Phone'], ...Array.from({ length: 200 }, (_, i) => [String(i).padEnd(1000, 'x')])]);
    const path = join(dir, 'bomb.xlsx');
    await workbook.xlsx.writeFile(path);
    expect(await openRows(path, { maxUnpackedBytes: 50_000 }).catch((e: unknown) => e)).toMatchObject({ kind: 'tooLargeUnpacked' });
    // The same file within a budget it fits reads as usual.
    let n = 0;
    for await (const row of (await openRows(path, { maxUnpackedBytes: 10 * 2 ** 20 })).rows) n += row.cells.length;
    expect(n).toBe(200);
  });

  it("when an .xlsx names a cell beyond Excel's last row, then it is refused with that row", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Contacts');
    sheet.addRow(['Phone']);
    sheet.getRow(1_048_577).getCell(1).value = '+447911123456';
    const path = join(dir, 'forged.xlsx');
    await workbook.xlsx.writeFile(path);
    const error = await openRows(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'beyondExcelLimits', row: 1_048_577 });
  });

  it('when a legacy .xls is over the row cap, then it is refused before any row is used', async () => {
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(
      book,
      XLSX.utils.aoa_to_sheet([['Phone'], ...Array.from({ length: 30 }, (_, i) => [`+4479111234${String(i).padStart(2, '0')}`])]),
      'S',
    );
    const path = join(dir, 'big.xls');
    writeFileSync(path, XLSX.write(book, { type: 'buffer', bookType: 'biff8' }));
    const rows = xlsRows(path, { maxBytes: 2 ** 20, maxRows: 20 });
    const error = await (async () => {
      for await (const _ of rows) void _;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'xlsTooManyRows' });
  });

  it.each([
    [
      'an OLE2 file that is no workbook',
      () => write(Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), fixedBytes(4096)])),
      'unreadableXls',
    ],
    ['random bytes', () => write(fixedBytes(8192)), 'notText'],
    ['a zip that is not a workbook', () => write(Buffer.concat([Buffer.from('504b0304', 'hex'), fixedBytes(4096)])), 'unreadableXlsx'],
    ['empty', () => write(''), 'empty'],
    ['only a BOM and blank lines', () => write('\ufeff\n\r\n  \n'), 'empty'],
    ['a header row only', () => write('Phone,Name\n'), 'headerOnly'],
    ['a header row and blank rows', () => write('Phone;Name\n;\n\n'), 'headerOnly'],
  ])('when the file is %s, then it is refused with a typed error on the file', async (_what, make, kind) => {
    const error = await openRows(make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContactFileError);
    expect(error).toMatchObject({ kind, name: 'ContactFileError', errors: [{ field: 'file' }] });
  });

  it('when a quoted cell never ends, then the rows before it come out and then a typed error cites the row', async () => {
    const file = await openRows(write('Phone,Note\n1,ok\n2,ok\n3,"never closed\n4,x\n'));
    const rows: number[] = [];
    const error = await (async () => {
      for await (const row of file.rows) rows.push(row.row);
    })().catch((e: unknown) => e);
    expect(rows).toEqual([2, 3]);
    expect(error).toMatchObject({ kind: 'malformedCsv', row: 4, errors: [{ field: 'file' }] });
  });

  it('when the workbook is header only, then it is refused as header only', async () => {
    const path = join(dir, 'header.xlsx');
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Contacts').addRow(['Phone', 'Name']);
    await workbook.xlsx.writeFile(path);
    await expect(openRows(path)).rejects.toMatchObject({ kind: 'headerOnly' });
  });
});

/** Deterministic "random" bytes, so the test never depends on luck. */
function fixedBytes(length: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 32 < length; i++) parts.push(createHash('sha256').update(String(i)).digest());
  return Buffer.concat(parts).subarray(0, length);
}
