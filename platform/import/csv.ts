import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { sniffDelimiter } from './delimiter';
import { detectEncoding, looksBinary, type TextEncoding } from './encoding';
import { ContactFileError } from './errors';
import type { Cell, RawRow } from './row';

export interface CsvInfo {
  encoding: TextEncoding;
  delimiter: string;
}

/** Sniffs encoding and delimiter from the head, then streams the file: file → decoder → parser, never whole. */
export async function csvSource(path: string, head: Buffer): Promise<{ info: CsvInfo; rows: AsyncIterable<RawRow> }> {
  const encoding = await detectEncoding(path, head);
  if (encoding !== 'utf16le' && encoding !== 'utf16be' && looksBinary(head)) throw new ContactFileError('notText');
  const delimiter = sniffDelimiter(iconv.decode(head, encoding));
  return { info: { encoding, delimiter }, rows: csvRows(path, encoding, delimiter) };
}

async function* csvRows(path: string, encoding: TextEncoding, delimiter: string): AsyncIterable<RawRow> {
  const file = createReadStream(path);
  // iconv-lite strips the BOM; ragged rows are kept as they are and judged later, row by row;
  // a stray quote inside a cell (5" screen) is text, as spreadsheet programs read it.
  const parser = file
    .pipe(iconv.decodeStream(encoding))
    .pipe(parse({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, bom: false }));
  file.on('error', (error) => parser.destroy(error));
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      // Counted like a spreadsheet shows the file: one row per record, blank lines included.
      row++;
      yield { row, cells: record.map((text): Cell => (text === '' ? null : text)) };
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') throw new ContactFileError('malformedCsv', row + 1);
    throw error;
  } finally {
    file.destroy();
  }
}
