import { InvalidInputError } from '../errors';

// Every reason a contacts file cannot be read at all, as one input error on the field 'file'.
// The kind lets callers (and tests) tell the reasons apart without matching on text.

export type FileErrorKind =
  'empty' | 'headerOnly' | 'legacyXls' | 'notText' | 'malformedCsv' | 'unreadableXlsx' | 'noWorksheet' | 'tooLargeUnpacked';

const messages: Record<FileErrorKind, string> = {
  empty: 'the file is empty',
  headerOnly: 'the file has a header row but no data rows',
  legacyXls: 'legacy .xls is not supported yet; save it as .xlsx or .csv',
  notText: 'the file is neither .csv text nor an .xlsx workbook',
  malformedCsv: 'the CSV has a quoted cell that never ends',
  unreadableXlsx: 'the file looks like an .xlsx workbook but cannot be read',
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
