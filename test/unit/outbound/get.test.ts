import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type Resolver, checkUrl, guardedGet, outboundPolicy } from '../../../platform/outbound';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('guardedGet against a real local server', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];
  let handler: Handler = (_req, res) => void res.end('ok');

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    hits.length = 0;
    handler = (_req, res) => void res.end('ok');
  });

  const loopbackOnly = outboundPolicy(['127.0.0.1']);
  const opts = { timeoutMs: 2_000, maxBytes: 1_000 };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => 'succeeded',
      (err: Error) => `${err.name}: ${err.message}`,
    );

  it('when the address is on the allow-list, then the body comes back', async () => {
    const res = await guardedGet(`http://127.0.0.1:${port}/a`, loopbackOnly, opts);
    expect([res.status, res.body.toString()]).toEqual([200, 'ok']);
  });

  it('when the allow-list is empty, then loopback is refused before any connection', async () => {
    expect(await failure(guardedGet(`http://127.0.0.1:${port}/a`, outboundPolicy([]), opts))).toMatch(
      /^OutboundRefusedError: must use https/,
    );
    expect(await failure(guardedGet(`https://127.0.0.1:${port}/a`, outboundPolicy([]), opts))).toBe(
      'OutboundRefusedError: is a loopback address',
    );
    expect(hits).toEqual([]);
  });

  it('when the connection goes through a name, then the address it connects to is the one the resolver gave and checked', async () => {
    const resolve: Resolver = async (host) => (host === 'app.test' ? ['127.0.0.1'] : []);
    const res = await guardedGet(`http://app.test:${port}/named`, outboundPolicy(['app.test'], resolve), opts);
    expect(res.status).toBe(200);
    expect(hits).toEqual(['/named']);
  });

  it('when a host resolved to a public address at save time resolves to loopback at connect time, then the request is refused', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (++calls === 1 ? ['93.184.216.34'] : ['127.0.0.1']);
    const policy = outboundPolicy([], rebinding);
    const url = `https://rebind.test:${port}/secret`;
    await expect(checkUrl(url, policy)).resolves.toBeInstanceOf(URL);
    expect(await failure(guardedGet(url, policy, opts))).toBe('OutboundRefusedError: resolves to a loopback address');
    expect(calls).toBe(2);
    expect(hits).toEqual([]);
  });

  it('when the host resolves to a public and a private address, then the request is refused', async () => {
    const both: Resolver = async () => ['93.184.216.34', '10.0.0.5'];
    expect(await failure(guardedGet(`https://both.test:${port}/`, outboundPolicy([], both), opts))).toBe(
      'OutboundRefusedError: resolves to a private address',
    );
  });

  it('when the server redirects, then the redirect is returned, not followed', async () => {
    handler = (req, res) =>
      void (req.url === '/from' ? res.writeHead(302, { location: `http://127.0.0.1:${port}/to` }).end() : res.end('followed'));
    const res = await guardedGet(`http://127.0.0.1:${port}/from`, loopbackOnly, opts);
    expect(res.status).toBe(302);
    expect(hits).toEqual(['/from']);
  });

  it('when the body is over the cap, declared or streamed, then it is refused', async () => {
    handler = (_req, res) => void res.writeHead(200, { 'content-length': '2000' }).end('x'.repeat(2000));
    expect(await failure(guardedGet(`http://127.0.0.1:${port}/declared`, loopbackOnly, opts))).toBe(
      'OutboundTooLargeError: response over 1000 bytes',
    );
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('x'.repeat(600));
      setTimeout(() => res.end('x'.repeat(600)), 20);
    };
    expect(await failure(guardedGet(`http://127.0.0.1:${port}/streamed`, loopbackOnly, opts))).toBe(
      'OutboundTooLargeError: response over 1000 bytes',
    );
  });

  it('when the server does not answer in time, then the request times out', async () => {
    const open: ServerResponse[] = [];
    handler = (_req, res) => void open.push(res);
    expect(await failure(guardedGet(`http://127.0.0.1:${port}/slow`, loopbackOnly, { ...opts, timeoutMs: 200 }))).toBe(
      'OutboundTimeoutError: timed out after 200 ms',
    );
    for (const res of open) res.end();
  });
});
