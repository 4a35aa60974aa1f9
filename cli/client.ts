/** The API's base URL and key, from the environment. */
export interface Target {
  url: string;
  key: string;
}

/** A failure to show the user as it is: no stack trace, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly problem?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const key = env.PARLEY_API_KEY?.trim();
  if (!key) throw new CliError('PARLEY_API_KEY is not set: export an API key of your organisation (pk_...)');
  const url = (env.PARLEY_API_URL?.trim() || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  if (!URL.canParse(url)) throw new CliError('PARLEY_API_URL is not a URL');
  const parsed = new URL(url);
  // fetch refuses such URLs, and the error would show them.
  if (parsed.username || parsed.password)
    throw new CliError('PARLEY_API_URL must not hold a user name or password; the key is PARLEY_API_KEY');
  return { url, key };
}

export interface Answer<T = any> {
  status: number;
  body: T;
}

/** Calls the API; any non-2xx answer becomes a CliError carrying its problem details. */
export async function call<T = any>(
  target: Target,
  method: string,
  path: string,
  init: { json?: unknown; form?: FormData; accept?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.key}`, accept: init.accept ?? 'application/json' };
  let body: string | FormData | undefined;
  if (init.form) body = init.form;
  else if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  let res: Response;
  try {
    res = await fetch(target.url + path, { method, headers, body });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach the API at ${new URL(target.url).origin}: ${cause?.code ?? cause?.message ?? String(err)}`);
  }
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let parsed: unknown = text;
  if (/json/.test(type) && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // a broken JSON answer is shown as text
    }
  }
  if (!res.ok) throw problemError(res.status, parsed);
  return { status: res.status, body: parsed as T };
}

function problemError(status: number, body: unknown): CliError {
  if (!body || typeof body !== 'object') {
    const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
    return new CliError(`HTTP ${status}${text ? `: ${text}` : ''}`);
  }
  const problem = body as { title?: string; detail?: string; errors?: { field?: string; message?: string }[] };
  const lines = [`${problem.title ?? 'Error'} (HTTP ${status})${problem.detail ? `: ${problem.detail}` : ''}`];
  for (const e of problem.errors ?? []) lines.push(`  ${e.field ?? ''}: ${e.message ?? ''}`);
  return new CliError(lines.join('\n'), body as Record<string, unknown>);
}
