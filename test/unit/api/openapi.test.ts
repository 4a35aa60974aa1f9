import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Router } from 'express';
import { createApp } from '../../../api/app';
import type { ApiDeps } from '../../../api/deps';
import { openApiDocument } from '../../../api/openapi';
import { loadConfig } from '../../../config';
import { EVENT_TYPES } from '../../../db/events';

const config = loadConfig({ PUBLIC_URL: 'https://api.parley.dev', PARLEY_ADMIN_TOKEN: 'a'.repeat(32) } as NodeJS.ProcessEnv);
const doc = openApiDocument(config);

type Layer = { rawPath?: string; route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] } };

/** Every method and path Express serves, in OpenAPI's {param} form, found by walking the mounted routers. */
function served(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    const path = prefix + (layer.rawPath === '/' ? '' : (layer.rawPath ?? ''));
    if (layer.route)
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m} ${(prefix + (layer.route!.path === '/' ? '' : layer.route!.path)).replace(/:(\w+)/g, '{$1}') || '/'}`);
    return layer.handle.stack ? served(layer.handle.stack, path) : [];
  });
}

describe('the OpenAPI document', () => {
  it('when linted by Redocly with its recommended rules, then it has no errors and no warnings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc));
      const cli = join(__dirname, '../../../node_modules/.bin/redocly');
      // Offline: no telemetry, no update check; the rules ship with the pinned CLI.
      const env = {
        ...process.env,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
        NO_PROXY: '*',
        HTTPS_PROXY: 'http://127.0.0.1:9',
      };
      const { stdout, stderr } = await promisify(execFile)(cli, ['lint', '--extends=recommended', '--format=json', file], {
        env,
        cwd: dir,
      }).catch((err: { stdout: string; stderr: string }) => err);
      const report = JSON.parse(stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string }[];
      };
      expect({ totals: report.totals, problems: report.problems.map((p) => `${p.ruleId}: ${p.message}`) }).toEqual({
        totals: expect.objectContaining({ errors: 0, warnings: 0 }),
        problems: [],
      });
      expect(stderr).not.toMatch(/ENOTFOUND|ECONNREFUSED|fetch failed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('when Express serves a route, then the document has it, and the document has no route Express does not serve', () => {
    const deps = { config, db: {}, temporal: {}, log: { error() {} }, jwtSecret: 'x', relay: {} } as unknown as ApiDeps;
    const app = createApp(deps) as unknown as { router: Router & { stack: Layer[] } };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    // HEAD is answered by each GET route; Express lists it only where a route asks for it.
    expect([...new Set(served(app.router.stack))].filter((r) => !r.startsWith('head ')).sort()).toEqual(documented.sort());
  });

  it('when an operation is documented, then it has a unique camelCase operationId, a 4xx problem answer and its security', () => {
    const ops = Object.values(doc.paths).flatMap(
      (p) => Object.values(p) as { operationId: string; responses: object; security: unknown[] }[],
    );
    const ids = ops.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of ops) {
      expect(op.operationId).toMatch(/^[a-z][a-zA-Z0-9]+$/);
      expect(Object.keys(op.responses).some((s) => /^4\d\d$/.test(s))).toBe(true);
      expect(Array.isArray(op.security)).toBe(true);
    }
    expect(doc.paths['/hooks/{channelId}'].post).toMatchObject({ security: [] });
    expect(doc.paths['/v1/campaigns'].post).toMatchObject({ security: [{ bearer: [] }] });
    expect(doc.servers).toEqual([{ url: 'https://api.parley.dev', description: 'This API' }]);
  });

  it('when webhooks are documented, then there is one per event type, each with its envelope and the signing headers', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    const op = doc.webhooks.outcomeSet.post;
    const body = op.requestBody.content['application/json'].schema as unknown as {
      required: string[];
      properties: { type: { const: string } };
    };
    expect(body.required).toEqual(['id', 'type', 'orgId', 'occurredAt', 'sequence', 'data']);
    expect(body.properties.type.const).toBe('outcomeSet');
    expect(op.parameters.map((p) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
  });
});
