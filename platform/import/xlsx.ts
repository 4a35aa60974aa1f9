import { createReadStream } from 'node:fs';
import ExcelJS from 'exceljs';
import { ContactFileError } from './errors';
import { EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS } from './limits';
import type { Cell, RawRow } from './row';

// Untrusted uploads pass openRows' zip budget (./zip.ts) before they reach this reader.

/**
 * Streams the first worksheet's rows. Styles are read so that number cells with a date format come out
 * as Dates; shared strings are held in memory (the format requires it), worksheets are not.
 */
export async function* xlsxRows(path: string): AsyncIterable<RawRow> {
  const file = createReadStream(path);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let sheets = 0;
  try {
    for await (const worksheet of guard(reader)) {
      sheets++;
      for await (const row of guard(worksheet)) {
        const values = row.values as unknown[];
        if (row.number > EXCEL_MAX_ROWS || values.length - 1 > EXCEL_MAX_COLUMNS)
          throw new ContactFileError('beyondExcelLimits', row.number);
        const cells: Cell[] = [];
        for (let column = 1; column < values.length; column++) cells.push(cellValue(values[column]));
        if (cells.some((cell) => cell !== null)) yield { row: row.number, cells };
      }
      break;
    }
  } finally {
    file.destroy();
  }
  if (sheets === 0) throw new ContactFileError('noWorksheet');
}

/** A zip that is not a workbook fails deep inside the reader; callers see one typed error instead. */
async function* guard<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* source;
  } catch (error) {
    if (error instanceof ContactFileError) throw error;
    throw new ContactFileError('unreadableXlsx');
  }
}

function cellValue(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as { text: string }[]).map((part) => part.text).join('');
    if ('formula' in v || 'sharedFormula' in v) return cellValue(v.result);
    if ('error' in v) return String(v.error);
    if ('text' in v) return cellValue(v.text);
  }
  return String(value);
}
