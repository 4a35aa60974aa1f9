import { type Server, type ServerResponse, createServer } from 'node:http';
import { ApplicationFailure } from '@temporalio/common';
import { ENRICH_MAX_FIELDS, ENRICH_MAX_VALUE_CHARS, fetchEnrichment } from '../../../activities/enrichment';
import { outboundPolicy } from '../../../platform/outbound';

type Answer = (res: ServerResponse) => void;
const json =
  (body: unknown, status = 200): Answer =>
  (res) =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));

describe('one enrichment try: an answer, a permanent failure, or a retry up to the bound', () => {
  let server: Server;
  let base: string;
  let answer: Answer = json({});

  beforeAll(async () => {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/e`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const opts = {
    policy: outboundPolicy(['127.0.0.1']),
    maxAttempts: 3,
    timeoutMs: 2_000,
    breaker: { failures: 5, openMs: 1_000, probeLeaseMs: 1_000 },
  };
  const attempt = (a: Answer, n = 1) => {
    answer = a;
    return fetchEnrichment(new URL(base), ['balance', 'dueDate'], opts, n).then(
      (result) => ({ result }),
      (err: ApplicationFailure) => ({ type: err.type, retryable: !err.nonRetryable, message: err.message }),
    );
  };

  it.each<[string, Answer, number, object]>([
    [
      'a JSON object',
      json({ balance: 12.5, dueDate: '2026-12-31', other: { deep: true } }),
      1,
      { result: { ok: true, values: { balance: '12.5', dueDate: '2026-12-31' } } },
    ],
    ['a 404', json({}, 404), 1, { result: { ok: false, reason: 'not found' } }],
    ['a 401', json({}, 401), 1, { type: 'EnrichmentFailed', retryable: false, message: 'HTTP 401' }],
    ['a 503 on the first try', json({}, 503), 1, { type: 'EnrichmentUnavailable', retryable: true, message: 'HTTP 503' }],
    ['a 503 on the last try', json({}, 503), 3, { type: 'EnrichmentFailed', retryable: false, message: 'HTTP 503 after 3 attempts' }],
    ['a 429', json({}, 429), 2, { type: 'EnrichmentUnavailable', retryable: true, message: 'HTTP 429' }],
    ['a 408 on the last try', json({}, 408), 3, { type: 'EnrichmentFailed', retryable: false, message: 'HTTP 408 after 3 attempts' }],
    [
      'a redirect',
      (res) => void res.writeHead(301, { location: 'http://169.254.169.254/' }).end(),
      1,
      { type: 'EnrichmentFailed', retryable: false, message: 'redirect (HTTP 301) not followed' },
    ],
    ['a body that is not JSON', json('<html>'), 1, { type: 'EnrichmentFailed', retryable: false, message: 'response is not JSON' }],
    ['a JSON array', json([1, 2]), 1, { type: 'EnrichmentFailed', retryable: false, message: 'response is not a JSON object' }],
    [
      'an object as a requested value',
      json({ balance: { amount: 1 } }),
      1,
      { type: 'EnrichmentFailed', retryable: false, message: 'field "balance" is not a string, number or boolean' },
    ],
    [
      'an over-long value',
      json({ balance: 'x'.repeat(ENRICH_MAX_VALUE_CHARS + 1) }),
      1,
      { type: 'EnrichmentFailed', retryable: false, message: `field "balance" is over ${ENRICH_MAX_VALUE_CHARS} characters` },
    ],
    [
      'too many fields',
      json(Object.fromEntries(Array.from({ length: ENRICH_MAX_FIELDS + 1 }, (_, i) => [`f${i}`, i]))),
      1,
      { type: 'EnrichmentFailed', retryable: false, message: `response has more than ${ENRICH_MAX_FIELDS} fields` },
    ],
    [
      'a body over 64 KiB',
      json({ balance: 'x'.repeat(70_000) }),
      1,
      { type: 'EnrichmentFailed', retryable: false, message: 'response over 65536 bytes' },
    ],
  ])('when the endpoint answers %s (try %d), then the result is as expected', async (_name, a, n, expected) => {
    expect(await attempt(a, n)).toEqual(expected);
  });

  it('when the endpoint is refused by the guard, then it fails at once without retries', async () => {
    const strict = { ...opts, policy: outboundPolicy([]) };
    const got = await fetchEnrichment(new URL(base), ['balance'], strict, 1).catch((err: ApplicationFailure) => err);
    expect(got).toMatchObject({
      type: 'EnrichmentFailed',
      nonRetryable: true,
      message: expect.stringMatching(/^endpoint refused: must use https/),
    });
  });

  it('when nothing listens, then it is retried, and given up on at the last try', async () => {
    const closed = new URL('http://127.0.0.1:1/e');
    expect(
      await fetchEnrichment(closed, ['balance'], opts, 1).catch((err: ApplicationFailure) => [err.type, err.nonRetryable, err.message]),
    ).toEqual(['EnrichmentUnavailable', false, 'connection refused']);
    expect(
      await fetchEnrichment(closed, ['balance'], opts, 3).catch((err: ApplicationFailure) => [err.type, err.nonRetryable, err.message]),
    ).toEqual(['EnrichmentFailed', true, 'connection refused after 3 attempts']);
  });
});
