const CSV_FORMULA = /^[=+\-@\t\r]/;

/** A CSV cell that a spreadsheet will show as text, never run as a formula. */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (CSV_FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
