import { type Target, call } from './client';
import { out } from './output';

interface Message {
  createdAt: string;
  direction: string;
  author: string;
  status: string | null;
  text: string;
}

export async function transcript(target: Target, id: string, opts: { json?: boolean; csv?: boolean }): Promise<void> {
  const path = `/v1/conversations/${encodeURIComponent(id)}/transcript`;
  if (opts.csv) {
    const { body } = await call<string>(target, 'GET', `${path}?format=csv`, { accept: 'text/csv' });
    process.stdout.write(body);
    return;
  }
  const { body } = await call(target, 'GET', path);
  out(opts.json, body, () =>
    [
      `conversation ${body.conversationId}: ${body.status}${body.outcome ? ` (${body.outcome})` : ''}`,
      ...(body.messages as Message[]).map(
        (m) => `${m.createdAt} ${m.direction === 'in' ? '<' : '>'} ${m.author}${m.status ? ` [${m.status}]` : ''}: ${m.text}`,
      ),
    ].join('\n'),
  );
}
