// Spaces around "@" and before the domain's dots come from phone keyboards; they are dropped.
const EMAIL = /[\p{L}\p{N}._%+'-]+\s?@\s?(?:[\p{L}\p{N}-]+\s?\.\s?)+\p{L}{2,}/u;

/** The first email address in a reply, lower-cased: "J.Doe @ Example.co.uk" → "j.doe@example.co.uk". */
export function matchEmail(text: string): string | undefined {
  const m = EMAIL.exec(text);
  if (!m) return undefined;
  const email = m[0]
    .replace(/\s+/g, '')
    .replace(/^[.'-]+/, '')
    .toLowerCase();
  const [local, domain] = email.split('@');
  if (!local || local.endsWith('.') || domain.includes('..')) return undefined;
  return email;
}
