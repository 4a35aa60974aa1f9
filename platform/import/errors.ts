import { InvalidInputError } from '../errors';
import { EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, XLS_MAX_BYTES, XLS_MAX_ROWS } from './limits';

// Every reason a contacts file cannot be read at all, as one input error on the field 'file'.
// The kind lets callers (and tests) tell the reasons apart without matching on text.

export type FileErrorKind =
  | 'empty'
  | 'headerOnly'
  | 'notText'
  | 'malformedCsv'
  | 'unreadableXlsx'
  | 'unreadableXls'
  | 'tooLargeUnpacked'
  | 'beyondExcelLimits'
  | 'xlsTooLarge'
  | 'xlsTooManyRows'
  | 'noWorksheet';

const messages: Record<FileErrorKind, string> = {
  empty: 'the file is empty',
  headerOnly: 'the file has a header row but no data rows',
  notText: 'the file is neither .csv text nor an .xlsx or .xls workbook',
  malformedCsv: 'the CSV has a quoted cell that never ends',
  unreadableXlsx: 'the file looks like an .xlsx workbook but cannot be read',
  unreadableXls: 'the file looks like a legacy .xls workbook but cannot be read',
  beyondExcelLimits: `a cell lies beyond Excel's limits (${EXCEL_MAX_ROWS.toLocaleString('en')} rows, ${EXCEL_MAX_COLUMNS.toLocaleString('en')} columns)`,
  xlsTooLarge: `a legacy .xls file may be at most ${XLS_MAX_BYTES / 2 ** 20} MB; save it as .xlsx or .csv`,
  xlsTooManyRows: `a legacy .xls file may have at most ${XLS_MAX_ROWS.toLocaleString('en')} data rows; save it as .xlsx or .csv`,
  noWorksheet: 'the workbook has no worksheet',
  tooLargeUnpacked: 'the workbook unpacks to more than the configured limit (IMPORT_MAX_UNPACKED_BYTES)',
};

export class ContactFileError extends InvalidInputError {
  override name = 'ContactFileError';
  constructor(
    readonly kind: FileErrorKind,
    /** The file row where reading stopped, when there is one to cite. */
    readonly row?: number,
  ) {
    const where = row === undefined ? '' : ` (from row ${row})`;
    super('Unreadable contacts file', [{ field: 'file', message: messages[kind] + where }]);
  }
}
