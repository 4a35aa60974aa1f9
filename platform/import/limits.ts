// Legacy .xls parsers load the whole workbook: these caps bound what one import may hold in memory.
export const XLS_MAX_BYTES = 20 * 2 ** 20;
export const XLS_MAX_ROWS = 100_000;
// Excel's own sheet limits: a cell beyond them is a forged file.
export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_COLUMNS = 16_384;
