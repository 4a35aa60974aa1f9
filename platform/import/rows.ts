import { csvSource, type CsvInfo } from './csv';
import { detectFormat, readHead, type FileFormat } from './detect';
import { ContactFileError } from './errors';
import type { Cell, RawRow } from './row';
import { xlsRows } from './xls';
import { xlsxRows } from './xlsx';
import { checkZipBudget } from './zip';

export type { Cell, RawRow } from './row';
export type { FileFormat } from './detect';
export { ContactFileError, type FileErrorKind } from './errors';

export interface ContactRows {
  format: FileFormat;
  /** Set for CSV: what was sniffed, for the import report. */
  csv?: CsvInfo;
  /** The first non-empty row, as text. */
  header: string[];
  headerRow: number;
  /** The data rows after the header, streamed; rows with no value at all are skipped. */
  rows: AsyncIterable<RawRow>;
}

/**
 * Opens a contacts file and reads up to its first data row, so that an unreadable, empty or header-only
 * file fails here with a ContactFileError rather than halfway through an import. The rest is streamed
 * on iteration; iterate it once. With `maxUnpackedBytes`, an .xlsx that would unpack to more (a zip bomb)
 * is refused before the reader inflates anything.
 */
export async function openRows(path: string, opts: { maxUnpackedBytes?: number } = {}): Promise<ContactRows> {
  const head = await readHead(path);
  const format = detectFormat(head);
  if (head.length === 0) throw new ContactFileError('empty');
  if (format === 'xlsx' && opts.maxUnpackedBytes !== undefined) await checkZipBudget(path, opts.maxUnpackedBytes);
  const source =
    format === 'xlsx'
      ? { info: undefined, rows: xlsxRows(path) }
      : format === 'xls'
        ? { info: undefined, rows: xlsRows(path) }
        : await csvSource(path, head);
  const iterator = nonEmpty(source.rows)[Symbol.asyncIterator]();
  const first = await iterator.next();
  const second = first.done ? first : await iterator.next();
  if (first.done || second.done) {
    await iterator.return?.();
    throw new ContactFileError(first.done ? 'empty' : 'headerOnly');
  }
  const header = first.value.cells.map(headerText);
  return { format, csv: source.info, header, headerRow: first.value.row, rows: rest(second.value, iterator) };
}

async function* nonEmpty(rows: AsyncIterable<RawRow>): AsyncIterable<RawRow> {
  for await (const row of rows) {
    if (row.cells.some((cell) => cell !== null && !(typeof cell === 'string' && cell.trim() === ''))) yield row;
  }
}

async function* rest(first: RawRow, iterator: AsyncIterator<RawRow>): AsyncIterable<RawRow> {
  try {
    yield first;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  } finally {
    await iterator.return?.();
  }
}

function headerText(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).trim();
}
