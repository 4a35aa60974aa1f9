// Line-level edits of a block-style YAML file such as Temporal's config
// templates: enough to set scalars and drop sections without a YAML library.

const keyLine = /^(\s*)([\w.-]+):(\s*)(.*)$/;

/**
 * Sets scalars by dotted path (`a.b.c`) and removes whole top-level sections.
 * Throws if a path is missing, so a changed template fails loudly.
 */
export function editYaml(text: string, set: Record<string, string | number | boolean>, drop: string[] = []): string {
  const out: string[] = [];
  const stack: { indent: number; key: string }[] = [];
  const done = new Set<string>();
  let dropping = false;
  for (const line of text.split('\n')) {
    const m = keyLine.exec(line);
    if (!m || line.trimStart().startsWith('#')) {
      if (!dropping) out.push(line);
      continue;
    }
    const [, spaces, key, gap, rest] = m;
    const indent = spaces.length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    if (indent === 0) dropping = drop.includes(key);
    if (dropping) continue;
    stack.push({ indent, key });
    const dotted = stack.map((s) => s.key).join('.');
    const value = rest.replace(/\s+#.*$/, '');
    if (dotted in set && value !== '') {
      out.push(`${spaces}${key}:${gap || ' '}${JSON.stringify(set[dotted])}`);
      done.add(dotted);
    } else out.push(line);
  }
  const missing = Object.keys(set).filter((k) => !done.has(k));
  if (missing.length) throw new Error(`config template has no ${missing.join(', ')}`);
  return out.join('\n');
}
