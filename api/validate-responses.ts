import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Route } from './openapi';

interface Declared {
  status: number;
  schema: z.ZodType;
}

/** `/v1/keys/:id` as the document writes it: `/v1/keys/{id}`. */
const template = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/';

/**
 * Checks each JSON answer of a route that declares its schema, at the status it declares, against that schema.
 * A mismatch is logged by route and issue path (never the values) and answered 500, so drift fails tests.
 */
export function validateResponses(routes: Route[], log: Pick<Logger, 'error'>): RequestHandler {
  const declared = new Map<string, Declared>();
  for (const [method, path, , , op] of routes) {
    if (op?.response && !op.produces) declared.set(`${method} ${path}`, { status: op.status ?? 200, schema: op.response });
  }
  return (req, res, next) => {
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      res.json = send;
      const route = req.route ? `${req.method.toLowerCase()} ${template(req.baseUrl + req.route.path)}` : undefined;
      const expected = route ? declared.get(route) : undefined;
      if (!expected || res.statusCode !== expected.status) return send(body);
      // Dates leave as ISO strings: check what the client will read.
      const result = expected.schema.safeParse(JSON.parse(JSON.stringify(body ?? null)));
      if (result.success) return send(body);
      const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
      log.error({ route, status: res.statusCode, issues }, 'response did not match its schema');
      return res
        .status(500)
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: 'about:blank',
            title: 'Internal Server Error',
            status: 500,
            detail: `response did not match its schema at ${issues.slice(0, 5).join('; ')}`,
          }),
        );
    };
    next();
  };
}
