import { eventually } from './stack';

export interface ChatEvent {
  id: string;
  event: string;
  data: { id: string; author: 'visitor' | 'business'; text: string; at: string };
}

/** The visitor cookie the chat page set, as a Cookie header value. */
export function visitorCookie(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('parley_visitor='));
  if (!cookie) throw new Error('the chat page set no visitor cookie');
  return cookie.split(';')[0];
}

/** A web chat event stream read over plain HTTP, as EventSource would: its events so far, and a wait for more. */
export async function openChatStream(url: string, headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: ChatEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  const read = async () => {
    if (!res.ok || !res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const at = line.indexOf(':');
            fields[line.slice(0, at)] = line.slice(at + 1).replace(/^ /, '');
          }
        }
        if (fields.data !== undefined) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
    }
  };
  const ended = read().catch((err) => {
    if (!abort.signal.aborted) throw err;
  });
  return {
    status: res.status,
    headers: res.headers,
    events,
    /** True once the server ends the stream. */
    ended,
    /** Waits until the stream has at least `n` events; returns the first `n`. */
    take: (n: number, what = `${n} chat event(s)`) =>
      eventually(async () => (events.length >= n ? events.slice(0, n) : undefined), 45_000, what),
    close: () => abort.abort(),
  };
}
