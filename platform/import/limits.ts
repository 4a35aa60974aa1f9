// Legacy .xls parsers load the whole workbook: these caps bound what one import may hold in memory.
export const XLS_MAX_BYTES = 20 * 2 ** 20;
export const XLS_MAX_ROWS = 100_000;
