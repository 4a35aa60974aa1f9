export type Delimiter = ',' | ';' | '\t' | '|';

const CANDIDATES: Delimiter[] = [',', ';', '\t', '|'];
const SAMPLE_LINES = 20;

/**
 * Picks the delimiter from the first lines of decoded text: the candidate that appears (outside quotes)
 * on the most lines, the same number of times on each, then the most often. A single column has none, so ','.
 * The last line of the sample may be cut short, so it is left out when there are others.
 */
export function sniffDelimiter(text: string): Delimiter {
  let lines = splitRecords(text).slice(0, SAMPLE_LINES + 1);
  if (lines.length > 1 && !/[\r\n]$/.test(text)) lines = lines.slice(0, -1);
  lines = lines.slice(0, SAMPLE_LINES);
  let best: { delimiter: Delimiter; score: [number, number, number] } | undefined;
  for (const delimiter of CANDIDATES) {
    const counts = lines.map((line) => line.get(delimiter) ?? 0);
    const present = counts.filter((n) => n > 0).length;
    if (present === 0) continue;
    const first = counts[0];
    const consistent = counts.filter((n) => n === first).length;
    const total = counts.reduce((a, b) => a + b, 0);
    const score: [number, number, number] = [present, consistent, total];
    if (!best || compare(score, best.score) > 0) best = { delimiter, score };
  }
  return best?.delimiter ?? ',';
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Counts candidate delimiters per record, treating quoted text (which may hold newlines) as opaque. */
function splitRecords(text: string): Map<string, number>[] {
  const records: Map<string, number>[] = [];
  let current = new Map<string, number>();
  let quoted = false;
  let blank = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      if (quoted && text[i + 1] === '"') i++;
      else quoted = !quoted;
      blank = false;
    } else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (!blank) records.push(current);
      current = new Map();
      blank = true;
    } else {
      blank = false;
      if (!quoted && (CANDIDATES as string[]).includes(ch)) current.set(ch, (current.get(ch) ?? 0) + 1);
    }
  }
  if (!blank) records.push(current);
  return records;
}
