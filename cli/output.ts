/** Prints to stdout: JSON for `--json`, else the human text. */
export function out(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
}

const scalar = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** An object as indented `key: value` lines, for reports whose exact shape the CLI need not know. */
export function tree(value: unknown, indent = ''): string[] {
  if (Array.isArray(value)) return value.map((v) => `${indent}- ${scalar(v)}`);
  if (!value || typeof value !== 'object') return [`${indent}${scalar(value)}`];
  return Object.entries(value).flatMap(([k, v]) =>
    v && typeof v === 'object' && (!Array.isArray(v) || v.length > 0)
      ? [`${indent}${k}:`, ...tree(v, `${indent}  `)]
      : [`${indent}${k}: ${scalar(v)}`],
  );
}
