import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

export interface Received {
  id: string;
  headers: Record<string, string>;
  body: string;
  path: string;
  at: number;
}

type Handler = (req: Received, res: ServerResponse) => void;

/** A webhook receiver on 127.0.0.1 over real HTTP: each test sets how it answers and reads what it was sent. */
export async function startReceiver() {
  const received: Received[] = [];
  let handler: Handler = (_r, res) => void res.writeHead(204).end();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        id: String(req.headers['webhook-id'] ?? ''),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        path: new URL(req.url ?? '/', 'http://x').pathname,
        at: Date.now(),
      };
      received.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    received,
    answer: (fn: Handler) => void (handler = fn),
    /** Requests to one path. */
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
