// Legacy Excel 97-2003 (.xls, BIFF8) through SheetJS 0.20.3 (the @e965/xlsx republication of the
// registry-less upstream; 0.18.5, the last `xlsx` on npm, has known prototype-pollution and ReDoS flaws).
// Such parsers load the whole file, hence the caps on its size and rows.
import { readFile, stat } from 'node:fs/promises';
import * as XLSX from '@e965/xlsx';
import { ContactFileError } from './errors';
import { XLS_MAX_BYTES, XLS_MAX_ROWS } from './limits';
import type { Cell, RawRow } from './row';

/** The first worksheet's rows; dates as Date, numbers as numbers, empty cells as null. */
export async function* xlsRows(path: string, caps = { maxBytes: XLS_MAX_BYTES, maxRows: XLS_MAX_ROWS }): AsyncIterable<RawRow> {
  if ((await stat(path)).size > caps.maxBytes) throw new ContactFileError('xlsTooLarge');
  let sheet: XLSX.WorkSheet | undefined;
  try {
    // One row more than allowed, to tell "at the cap" from "over it".
    const book = XLSX.read(await readFile(path), { type: 'buffer', cellDates: true, sheetRows: caps.maxRows + 2, dense: true });
    sheet = book.Sheets[book.SheetNames[0]];
  } catch {
    throw new ContactFileError('unreadableXls');
  }
  if (!sheet || !sheet['!ref']) throw new ContactFileError('noWorksheet');
  const first = XLSX.utils.decode_range(sheet['!ref']).s.r;
  const rows = XLSX.utils.sheet_to_json<Cell[]>(sheet, { header: 1, raw: true, defval: null, blankrows: true });
  if (rows.length > caps.maxRows + 1) throw new ContactFileError('xlsTooManyRows');
  for (const [i, cells] of rows.entries()) yield { row: first + i + 1, cells: cells.map(cell) };
}

function cell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value === 'number' || typeof value === 'string') return value;
  return String(value);
}
