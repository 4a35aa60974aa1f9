// The baseline for bench:import, in a process of its own: the raw reader (csv-parse, or exceljs's
// streaming reader) over a contacts file, and libphonenumber's normalisation of its first column,
// on one thread, storing nothing. Prints one JSON line: rows, seconds, valid.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

async function* csvRecords(file: string): AsyncIterable<unknown[]> {
  yield* createReadStream(file).pipe(parse({ relax_column_count: true })) as AsyncIterable<string[]>;
}

async function* xlsxRecords(file: string): AsyncIterable<unknown[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(file), { worksheets: 'emit', sharedStrings: 'cache' });
  for await (const sheet of reader) {
    for await (const row of sheet) yield (row.values as unknown[]).slice(1);
    break;
  }
}

async function main() {
  const [file, format] = process.argv.slice(2);
  const t0 = performance.now();
  let rows = -1;
  let valid = 0;
  for await (const cells of format === 'xlsx' ? xlsxRecords(file) : csvRecords(file)) {
    if (rows++ < 0) continue;
    const phone = parsePhoneNumberFromString(String(cells[0] ?? ''), 'GB' as CountryCode);
    if (phone?.isValid()) valid++;
  }
  process.stdout.write(`${JSON.stringify({ rows, valid, seconds: (performance.now() - t0) / 1000 })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
