import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

const ATTEMPTS = 2;

/** The org's endpoint over real HTTP: each test sets how it answers and reads what it was asked. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
function startEndpoint(): Promise<{ base: string; server: Server; hits: string[]; answer: (fn: Handler) => void }> {
  const hits: string[] = [];
  let handler: Handler = (_req, res) => void res.writeHead(500).end();
  const server = createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', 'http://x').pathname);
    handler(req, res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        server,
        hits,
        answer: (fn) => void (handler = fn),
      }),
    ),
  );
}

const journey = {
  name: 'Balance',
  start: 'lookup',
  steps: [
    { id: 'lookup', kind: 'enrich', fields: ['balance'], next: 'show', onError: 'sorry' },
    { id: 'show', kind: 'message', text: 'You owe <<balance>>.', next: 'done' },
    { id: 'sorry', kind: 'message', text: 'We could not look up your balance.', next: 'done' },
    { id: 'done', kind: 'end', outcome: 'Informed' },
  ],
};

describe('enrichment reaches only allowed endpoints and gives up after a bounded number of attempts', () => {
  let stack: TestStack;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;

  beforeAll(async () => {
    stack = await startTestStack({ OUTBOUND_ALLOW: ['127.0.0.1'], ENRICH_MAX_ATTEMPTS: ATTEMPTS, ENRICH_TIMEOUT_MS: 3_000 });
    endpoint = await startEndpoint();
  });
  afterAll(async () => {
    endpoint?.server.close();
    await stack?.stop();
  });

  const run = async (path: string, address: string) => {
    const org = await seedOrg(stack.db, journey, { enrichmentUrl: `${endpoint.base}${path}` });
    const api = apiClient(stack.url, org.apiKey);
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });
    expect(started.status).toBe(201);
    const phone = sandboxPhone(api, org.channelId, address);
    const conversation = () => api.get(`/v1/conversations/${started.body.id}`).then((r) => r.body);
    return { api, phone, conversation };
  };

  it('when the org saves the cloud metadata address, then it is a 4xx naming enrichmentUrl and nothing is written', async () => {
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    const before = await api.get('/v1/org');
    const urls = [
      'http://169.254.169.254/latest/meta-data',
      'https://169.254.169.254/latest/meta-data',
      'http://[fd00:ec2::254]/',
      'https://[::1]/x',
      'http://0x7f000002/',
      'https://10.0.0.1/',
      'ftp://example.com/x',
    ];
    const answers = [];
    for (const url of urls) {
      const res = await api.raw('PATCH', '/v1/org', { enrichmentUrl: url, name: 'Renamed' });
      answers.push({ url, status: res.status, type: res.headers.get('content-type'), errors: res.body.errors, detail: res.body.detail });
    }
    expect(answers).toEqual(
      urls.map((url) => ({
        url,
        status: 422,
        type: expect.stringMatching(/^application\/problem\+json/),
        errors: [{ field: 'enrichmentUrl', message: expect.any(String) }],
        detail: expect.stringMatching(/^enrichmentUrl: /),
      })),
    );
    expect((await api.get('/v1/org')).body).toEqual(before.body);
  });

  it('when the org saves an allowed endpoint, then it is kept', async () => {
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    const res = await api.raw('PATCH', '/v1/org', { enrichmentUrl: `${endpoint.base}/ok` });
    expect(res.status).toBe(200);
    expect(res.body.enrichmentUrl).toBe(`${endpoint.base}/ok`);
  });

  it('when the endpoint answers 500 every time, then after the configured attempts the step follows onError with a note', async () => {
    endpoint.answer((_req, res) => void res.writeHead(500).end('{"error":"down"}'));
    const { phone, conversation } = await run('/down', '07911 123490');
    expect(await phone.receive(1)).toEqual(['We could not look up your balance.']);
    const done = await eventually(async () => ((await conversation()).status === 'ended' ? conversation() : undefined));
    expect(done.notes).toEqual([`Enrichment failed at "lookup": HTTP 500 after ${ATTEMPTS} attempts`]);
    expect(endpoint.hits.filter((p) => p === '/down')).toHaveLength(ATTEMPTS);
  });

  it('when the endpoint redirects, then the redirect is not followed and the step follows onError', async () => {
    endpoint.answer((req, res) => {
      if (req.url?.startsWith('/moved')) return void res.writeHead(302, { location: '/target' }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"1"}');
    });
    const { phone, conversation } = await run('/moved', '07911 123491');
    expect(await phone.receive(1)).toEqual(['We could not look up your balance.']);
    const done = await eventually(async () => ((await conversation()).status === 'ended' ? conversation() : undefined));
    expect(done.notes).toEqual(['Enrichment failed at "lookup": redirect (HTTP 302) not followed']);
    expect(endpoint.hits).not.toContain('/target');
    expect(endpoint.hits.filter((p) => p === '/moved')).toHaveLength(1);
  });

  it('when the response is over the size limit, then it is refused at once and the step follows onError', async () => {
    endpoint.answer(
      (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ balance: 'x'.repeat(200_000) })),
    );
    const { phone, conversation } = await run('/huge', '07911 123492');
    expect(await phone.receive(1)).toEqual(['We could not look up your balance.']);
    const done = await eventually(async () => ((await conversation()).status === 'ended' ? conversation() : undefined));
    expect(done.notes).toEqual([expect.stringMatching(/^Enrichment failed at "lookup": response over \d+ bytes$/)]);
    expect(endpoint.hits.filter((p) => p === '/huge')).toHaveLength(1);
  });

  it('when the endpoint answers, then the value lands in the message', async () => {
    const queries: URLSearchParams[] = [];
    endpoint.answer((req, res) => {
      queries.push(new URL(req.url ?? '/', 'http://x').searchParams);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"12.50"}');
    });
    const { phone } = await run('/fine', '07911 123493');
    expect(await phone.receive(1)).toEqual(['You owe 12.50.']);
    expect(queries).toHaveLength(1);
    expect(queries[0].get('conversationId')).toMatch(/^[0-9a-f-]{36}$/);
    expect(queries[0].get('fields')).toBe('balance');
    expect(queries[0].has('contactId')).toBe(false);
  });
});
