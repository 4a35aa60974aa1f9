import fc from 'fast-check';
import { openApiDocument } from '../../api/openapi';
import { greetingJourney } from '../fixtures/journeys';
import { tableCounts } from '../helpers/rows';
import { type TestStack, apiClient, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';

// Fixed, so that a failure replays; fast-check prints the seed and path of the failing case.
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 25);

type Schema = Record<string, any>;

/** JSON text that JSON.stringify cannot produce: 1e309, -0, 5,000-deep nesting. */
class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new Raw(text);
const toJson = (v: unknown): string => {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
};

const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '\u0000',
    'A\u0000B',
    '\udc00',
    'x\ud800',
    'NaN',
    'Infinity',
    '-0',
    '',
    ' ',
    '__proto__',
    "'; drop table orgs; --",
    raw('1e309'),
    raw('-1e309'),
    raw('-0'),
    raw('1e-400'),
    raw('123456789012345678901234567890'),
    raw(`${'['.repeat(40)}${']'.repeat(40)}`),
    raw(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
    raw(`${'['.repeat(5000)}${']'.repeat(5000)}`),
    'x'.repeat(100_000),
    'é'.repeat(20_000),
    null,
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53 + 1,
    1e20,
    [],
    {},
    [null],
    { __proto__: null, constructor: 'x' },
  ),
  fc.string({ unit: anyChar, maxLength: 20 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'a\u0000b', '\udc00', 'extra', '', 'x'.repeat(300));

/** Values from a JSON schema, leaning on known-good ids and texts so that some requests get past validation. */
function fromSchema(s: Schema, name: string, hints: Record<string, unknown[]>, depth = 0): fc.Arbitrary<unknown> {
  const base = schemaOnly(s, name, hints, depth);
  return hints[name] ? fc.oneof({ arbitrary: fc.constantFrom(...hints[name]), weight: 4 }, { arbitrary: base, weight: 1 }) : base;
}
function schemaOnly(s: Schema, name: string, hints: Record<string, unknown[]>, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a: Schema) => fromSchema(a, name, hints, depth)));
  if (depth > 6) return fc.constant(null);
  switch (s.type) {
    case 'object': {
      const props: Record<string, Schema> = s.properties ?? {};
      if (!Object.keys(props).length && typeof s.additionalProperties === 'object') {
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fromSchema(s.additionalProperties, 'value', hints, depth + 1), {
          maxKeys: 3,
        });
      }
      const model = Object.fromEntries(Object.entries(props).map(([k, p]) => [k, fromSchema(p, k, hints, depth + 1)]));
      return fc.record(model, { requiredKeys: (s.required ?? []) as never[] });
    }
    case 'array':
      return fc.array(fromSchema(s.items ?? {}, name, hints, depth + 1), {
        minLength: Math.min(s.minItems ?? 0, 3),
        maxLength: Math.min(s.maxItems ?? 3, 3),
      });
    case 'string':
      return fc.string({
        minLength: Math.min(s.minLength ?? 0, 20),
        maxLength: Math.max(Math.min(s.maxLength ?? 20, 20), Math.min(s.minLength ?? 0, 20)),
      });
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Every node of a value with a setter, so one of them can be replaced by something hostile. */
function nodes(v: unknown, set: (x: unknown) => void, out: { value: unknown; set: (x: unknown) => void }[] = []) {
  out.push({ value: v, set });
  if (Array.isArray(v)) v.forEach((item, i) => nodes(item, (x) => (v[i] = x), out));
  else if (v !== null && typeof v === 'object' && !(v instanceof Raw)) {
    for (const k of Object.keys(v)) nodes((v as Record<string, unknown>)[k], (x) => ((v as Record<string, unknown>)[k] = x), out);
  }
  return out;
}

/** A body from the schema: left as is, one string tainted, one node replaced, or one key added. */
const mutated = (valid: fc.Arbitrary<unknown>) =>
  fc
    .tuple(
      valid,
      fc.constantFrom('keep', 'keep', 'taint', 'taint', 'replace', 'replace', 'addKey'),
      fc.nat(),
      hostile,
      hostileKey,
      fc.constantFrom('\u0000', '\udc00', '\ud800'),
    )
    .map(([value, how, at, bad, key, taint]) => {
      let root: unknown = structuredClone(value);
      const all = nodes(root, (x) => (root = x));
      const strings = all.filter((n) => typeof n.value === 'string');
      if (how === 'taint' && strings.length) strings[at % strings.length].set(`${String(strings[at % strings.length].value)}${taint}`);
      if (how === 'replace') all[at % all.length].set(bad);
      if (how === 'addKey') {
        const objects = all.filter((n) => n.value !== null && typeof n.value === 'object' && !Array.isArray(n.value));
        if (objects.length)
          Object.defineProperty(objects[at % objects.length].value, key, {
            value: bad,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else root = bad;
      }
      return toJson(root);
    });

describe('every route, fuzzed from its schema', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let other: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  const ids: Record<string, string[]> = {};
  const hints: Record<string, unknown[]> = {};

  beforeAll(async () => {
    // No worker: nothing writes in the background, so a changed row count is the request's doing.
    stack = await startTestStack({}, { worker: false });
    org = await seedOrg(stack.db, greetingJourney);
    other = await seedOrg(stack.db, greetingJourney);
    api = apiClient(stack.url, org.apiKey);
    const campaign = await api.post('/v1/campaigns', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contacts: [{ address: '07911 123456' }],
    });
    const conversation = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123457' },
    });
    expect([campaign.status, conversation.status]).toEqual([201, 201]);
    // Ended, so that agent routes answer at once rather than wait on a workflow no worker runs.
    await stack.db.updateTable('conversations').set({ status: 'ended' }).where('id', '=', conversation.body.id).execute();
    const theirs = await apiClient(stack.url, other.apiKey).post('/v1/conversations', {
      journeyId: other.journeyId,
      channelId: other.channelId,
      contact: { address: '07911 123458' },
    });
    const unusual = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', '%00', '%E0%A4%A', '..%2F..%2Forgs', 'x'.repeat(2000)];
    ids.unusual = [theirs.body.id, other.journeyId, other.channelId, ...unusual];
    Object.assign(ids, {
      campaigns: [campaign.body.id],
      conversations: [conversation.body.id],
      journeys: [org.journeyId],
      sandbox: [org.channelId],
      channels: [org.channelId],
    });
    Object.assign(hints, {
      journeyId: [org.journeyId, org.journeyId, other.journeyId],
      channelId: [org.channelId, org.channelId, other.channelId],
      address: ['07911 123459', '+447911123460', '07911123461'],
      from: ['07911 123461'],
      outcome: ['Completed'],
      stepId: ['hello'],
      definition: [sampleJourney('demo')],
      timeZone: ['Europe/London', 'Mars/Olympus'],
      currency: ['GBP', 'gbp'],
      defaultCountry: ['GB', 'ZZ'],
      locale: ['en-GB'],
      inboundJourneyId: [org.journeyId, other.journeyId, null],
      enrichmentUrl: ['https://example.com/enrich', 'http://127.0.0.1:1/', null],
    });
  });
  const statuses: Record<string, number[]> = {};
  afterAll(async () => {
    if (process.env.FUZZ_STATS)
      console.log(
        Object.entries(statuses)
          .map(([r, s]) => `${r}: ${s.sort().join(' ')}`)
          .join('\n'),
      );
    await stack?.stop();
  });

  const doc = openApiDocument({ MAX_JSON_CONTACTS: 5000, MAX_CONTACT_FIELDS: 100, MAX_FIELD_CHARS: 1000 } as never);
  const routes = Object.entries(
    doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>,
  )
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) => [method.toUpperCase(), path, op.requestBody?.content['application/json'].schema] as const,
      ),
    );

  const query = fc.oneof(
    fc.constant(''),
    fc.constantFrom(
      '?version=1',
      '?version=1e309',
      '?version=-0',
      '?version=NaN',
      '?format=csv',
      '?after=1e20',
      '?after=-1',
      '?limit=0',
      '?limit=1&limit=2',
    ),
    fc.constantFrom('?address=%00', '?address=%ED%B0%80', '?address=07911123456', '?__proto__=x', `?address=${'9'.repeat(5000)}`),
  );

  it('covers the routes of the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  it.each(routes)(
    'when %s %s gets generated and hostile input, then it never answers 5xx and a refusal writes nothing',
    async (method, path, schema) => {
      const own = ids[path.split('/')[2]] ?? ids.unusual;
      const params = fc.oneof({ arbitrary: fc.constantFrom(...own), weight: 3 }, { arbitrary: fc.constantFrom(...ids.unusual), weight: 1 });
      const body =
        method === 'GET'
          ? fc.constant(undefined)
          : schema
            ? mutated(fromSchema(schema, 'body', hints))
            : fc.oneof(fc.constant(undefined), mutated(fc.jsonValue({ maxDepth: 2 })));
      const contentType = fc.oneof(
        { arbitrary: fc.constant('application/json'), weight: 8 },
        fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded'),
      );
      // Reused keys across runs: a replay, a 422 for another body, or a refusal of a malformed key.
      const key = fc.option(fc.constantFrom('fuzz-1', 'fuzz-2', 'k'.repeat(300), 'é', ' '), { freq: 2 });
      await fc.assert(
        fc.asyncProperty(params, body, query, contentType, key, async (id, text, q, type, idempotencyKey) => {
          const url = path.replace(/\{\w+\}/, id) + (method === 'GET' ? q : '');
          const headers: Record<string, string> = text === undefined ? {} : { 'content-type': type };
          if (idempotencyKey !== null && method === 'POST') headers['idempotency-key'] = idempotencyKey;
          const before = await tableCounts(stack.db, [org.orgId, other.orgId]);
          const res = await api.raw(method, url, text, headers);
          (statuses[`${method} ${path}`] ??= []).push(res.status);
          if (res.status >= 500) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
          if (res.status >= 400) expect(await tableCounts(stack.db, [org.orgId, other.orgId])).toEqual(before);
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    },
  );
});
