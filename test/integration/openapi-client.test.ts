import { readFile } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import { TYPES_FILE, generatedTypes } from '../../scripts/openapi-types';
import { greetingJourney } from '../fixtures/journeys';
import type { paths } from '../generated/openapi';
import { type TestStack, eventually, seedOrg, startTestStack } from '../helpers/stack';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

describe('a typed client generated from /openapi.json', () => {
  let stack: TestStack;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let doc: Doc;
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

  beforeAll(async () => {
    stack = await startTestStack();
    org = await seedOrg(stack.db, greetingJourney);
    doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as Doc;
  });
  afterAll(() => stack?.stop());

  /** The answer, checked against the JSON Schema the served document gives for that operation and status. */
  const documented = <T>(path: string, method: string, status: number, answer: { data?: T; response: Response }): T => {
    expect(answer.response.status).toBe(status);
    const schema = doc.paths[path][method].responses[status].content!['application/json'].schema;
    const validate = ajv.compile(schema);
    expect({ valid: validate(answer.data), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
    return answer.data!;
  };

  it('when the committed types are regenerated from the document, then they are the same', async () => {
    expect(await generatedTypes()).toBe(await readFile(TYPES_FILE, 'utf8'));
  }, 60_000);

  it('when a campaign is driven through the client, then each answer is what the document says', async () => {
    const api = createClient<paths>({ baseUrl: stack.url, headers: { authorization: `Bearer ${org.apiKey}` } });
    const created = documented(
      '/v1/campaigns',
      'post',
      201,
      await api.POST('/v1/campaigns', {
        body: {
          journeyId: org.journeyId,
          channelId: org.channelId,
          contacts: [{ address: '+447911123456', fields: { firstName: 'Ada' } }],
        },
      }),
    );
    expect(created.total).toBe(1);
    const id = created.id;
    const params = { path: { id } };

    const read = documented('/v1/campaigns/{id}', 'get', 200, await api.GET('/v1/campaigns/{id}', { params }));
    expect(read.id).toBe(id);
    const paused = documented('/v1/campaigns/{id}/pause', 'post', 202, await api.POST('/v1/campaigns/{id}/pause', { params }));
    expect(paused.requested).toBe('pause');
    await eventually(async () => {
      const { data } = await api.GET('/v1/campaigns/{id}', { params });
      return data?.status === 'paused' || data?.status === 'completed' ? true : undefined;
    });
    const resumed = await api.POST('/v1/campaigns/{id}/resume', { params });
    // A one-contact campaign may have finished before the pause took hold: then resume is a documented 409 problem.
    if (resumed.response.status === 409) expect(resumed.error).toMatchObject({ status: 409, title: 'Conflict' });
    else expect(documented('/v1/campaigns/{id}/resume', 'post', 202, resumed).requested).toBe('resume');

    const conversation = await eventually(() =>
      stack.db.selectFrom('conversations').select('id').where('campaign_id', '=', id).executeTakeFirst(),
    );
    const transcript = await eventually(async () => {
      const answer = await api.GET('/v1/conversations/{id}/transcript', { params: { path: { id: conversation.id } } });
      return answer.data?.messages.some((m) => m.direction === 'out') ? answer : undefined;
    });
    const body = documented('/v1/conversations/{id}/transcript', 'get', 200, transcript);
    expect(body.messages[0]).toMatchObject({ direction: 'out', author: 'bot', text: 'Hi Ada, this is Parley.' });

    const missing = await api.GET('/v1/campaigns/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.error).toMatchObject({ status: 404, title: 'Not Found' });
  }, 120_000);
});
