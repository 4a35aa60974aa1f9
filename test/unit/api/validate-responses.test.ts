import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import type { Route } from '../../../api/openapi';
import { validateResponses } from '../../../api/validate-responses';

const thing = z.object({ id: z.string(), count: z.int() });
const routes: Route[] = [
  ['get', '/v1/things/{id}', 'getThing', 'A thing', { response: thing }],
  ['post', '/v1/things', 'createThing', 'Create a thing', { response: thing, status: 201 }],
];

async function serve(answer: unknown, status = 200) {
  const errors: unknown[][] = [];
  const app = express();
  app.use(validateResponses(routes, { error: (...args: unknown[]) => void errors.push(args) } as never));
  const things = express.Router();
  things.get('/:id', (_req, res) => void res.status(status).json(answer));
  things.post('/', (_req, res) => void res.status(201).json(answer));
  app.use('/v1/things', things);
  app.get('/other', (_req, res) => void res.json(answer));
  const server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, errors, close: () => new Promise((r) => server.close(r)) };
}

describe('response validation', () => {
  it('when an answer matches its schema, then it passes through unchanged', async () => {
    const s = await serve({ id: 'a', count: 2, extra: 'kept' });
    try {
      const res = await fetch(`${s.base}/v1/things/a`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: 'a', count: 2, extra: 'kept' });
      const created = await fetch(`${s.base}/v1/things`, { method: 'POST' });
      expect(created.status).toBe(201);
      expect(s.errors).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('when an answer does not match, then it is a 500 problem, logged by route and issue path without the values', async () => {
    const s = await serve({ id: 'secret-value', count: 'two' });
    try {
      const res = await fetch(`${s.base}/v1/things/a`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 500, detail: 'response did not match its schema at count: invalid_type' });
      expect(s.errors).toHaveLength(1);
      const [fields] = s.errors[0] as [Record<string, unknown>];
      expect(fields).toMatchObject({ route: 'get /v1/things/{id}', issues: ['count: invalid_type'] });
      expect(JSON.stringify(s.errors)).not.toContain('secret-value');
      expect(JSON.stringify(s.errors)).not.toContain('two');
    } finally {
      await s.close();
    }
  });

  it('when a route declares no schema, or answers another status, then the answer is not checked', async () => {
    const s = await serve({ nothing: true }, 202);
    try {
      expect((await fetch(`${s.base}/other`)).status).toBe(200);
      expect((await fetch(`${s.base}/v1/things/a`)).status).toBe(202);
      expect(s.errors).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
