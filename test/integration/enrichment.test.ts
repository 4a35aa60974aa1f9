import { jwtVerify } from 'jose';
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

  it('when a journey asks for the same field twice, it is fetched once and cached for the conversation', async () => {
    let calls = 0;
    endpoint.answer((_req, res) => {
      calls += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"balance":"${calls}.00","due":"Friday"}`);
    });
    const twice = {
      name: 'Balance twice',
      start: 'a',
      steps: [
        { id: 'a', kind: 'enrich', fields: ['balance'], next: 'show' },
        { id: 'show', kind: 'message', text: 'You owe <<balance>>.', next: 'b' },
        { id: 'b', kind: 'enrich', fields: ['balance', 'due'], next: 'again' },
        { id: 'again', kind: 'message', text: 'Still <<balance>>, due <<due>>.', next: 'c' },
        { id: 'c', kind: 'enrich', fields: ['due'], next: 'done' },
        { id: 'done', kind: 'end', outcome: 'Informed' },
      ],
    };
    const org = await seedOrg(stack.db, twice, { enrichmentUrl: `${endpoint.base}/cached` });
    const api = apiClient(stack.url, org.apiKey);
    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123497' },
    });
    expect(started.status).toBe(201);
    expect(await sandboxPhone(api, org.channelId, '07911 123497').receive(2)).toEqual(['You owe 1.00.', 'Still 1.00, due Friday.']);
    await eventually(async () => ((await api.get(`/v1/conversations/${started.body.id}`)).body.status === 'ended' ? true : undefined));
    // The first step fetched balance, the second only due; the third found both cached.
    expect(calls).toBe(2);
  });

  it('when the org sets its endpoint, then a secret is shown once and every GET carries a JWT signed with it', async () => {
    const auths: (string | undefined)[] = [];
    endpoint.answer((req, res) => {
      auths.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"3.00"}');
    });
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    const url = `${endpoint.base}/signed`;
    const set = await api.raw('PATCH', '/v1/org', { enrichmentUrl: url });
    expect(set.status).toBe(200);
    expect(set.body.enrichmentSecret).toMatch(/^ensec_[A-Za-z0-9_-]{32}$/);
    const shown = await api.get('/v1/org');
    expect(shown.body).not.toHaveProperty('enrichmentSecret');
    expect(
      JSON.stringify((await stack.db.selectFrom('orgs').select('settings').where('id', '=', org.orgId).executeTakeFirstOrThrow()).settings),
    ).not.toContain(set.body.enrichmentSecret);
    // Saving the same URL again keeps the secret and does not show it.
    expect((await api.raw('PATCH', '/v1/org', { enrichmentUrl: url })).body).not.toHaveProperty('enrichmentSecret');

    const started = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123494' },
    });
    expect(started.status).toBe(201);
    expect(await sandboxPhone(api, org.channelId, '07911 123494').receive(1)).toEqual(['You owe 3.00.']);
    expect(auths).toHaveLength(1);
    const token = auths[0]!.replace(/^Bearer /, '');
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(set.body.enrichmentSecret), {
      issuer: 'parley',
      audience: url,
      algorithms: ['HS256'],
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await expect(jwtVerify(token, new TextEncoder().encode('ensec_wrong'), { issuer: 'parley', audience: url })).rejects.toThrow();
  });
  it('when the secret is rotated with an overlap, the old secret signs until then; rotated at once, the new one signs', async () => {
    const auths: string[] = [];
    endpoint.answer((req, res) => {
      auths.push(String(req.headers.authorization).replace(/^Bearer /, ''));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":"4.00"}');
    });
    const org = await seedOrg(stack.db, journey);
    const api = apiClient(stack.url, org.apiKey);
    expect((await api.raw('POST', '/v1/org/enrichment-secret/rotate', {})).status).toBe(409);
    const url = `${endpoint.base}/rotating`;
    const first = (await api.raw('PATCH', '/v1/org', { enrichmentUrl: url })).body.enrichmentSecret as string;
    const key = (s: string) => new TextEncoder().encode(s);
    const opts = { issuer: 'parley', audience: url, algorithms: ['HS256'] };
    const lookup = async (address: string) => {
      const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact: { address } });
      expect(started.status).toBe(201);
      await sandboxPhone(api, org.channelId, address).receive(1);
      return auths[auths.length - 1];
    };

    const bad = await api.raw('POST', '/v1/org/enrichment-secret/rotate', { activateInSeconds: -1 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('activateInSeconds');
    const staged = await api.raw('POST', '/v1/org/enrichment-secret/rotate', { activateInSeconds: 86_400 });
    expect(staged.status).toBe(200);
    expect(staged.body.secret).toMatch(/^ensec_/);
    expect(Date.parse(staged.body.activatesAt) - Date.now()).toBeGreaterThan(86_000_000);
    expect(JSON.stringify((await api.get('/v1/org')).body)).not.toContain(staged.body.secret);
    const beforeSwitch = await lookup('07911 123495');
    const { protectedHeader } = await jwtVerify(beforeSwitch, key(first), opts);
    expect(protectedHeader.kid).not.toBe(staged.body.keyId);
    await expect(jwtVerify(beforeSwitch, key(staged.body.secret), opts)).rejects.toThrow();

    const now = await api.raw('POST', '/v1/org/enrichment-secret/rotate', {});
    expect(now.status).toBe(200);
    const afterSwitch = await lookup('07911 123496');
    expect((await jwtVerify(afterSwitch, key(now.body.secret), opts)).protectedHeader.kid).toBe(now.body.keyId);
    await expect(jwtVerify(afterSwitch, key(first), opts)).rejects.toThrow();
    await expect(jwtVerify(afterSwitch, key(staged.body.secret), opts)).rejects.toThrow();
    const audit = await stack.db.selectFrom('audit_log').select('action').where('org_id', '=', org.orgId).execute();
    expect(audit.filter((a) => a.action === 'enrichment_secret.rotated')).toHaveLength(2);
  });
});
