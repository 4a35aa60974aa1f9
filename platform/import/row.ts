export type Cell = string | number | Date | null;

export interface RawRow {
  /** 1-based row of the file (the header is row 1), as a spreadsheet would show it. */
  row: number;
  cells: Cell[];
}
