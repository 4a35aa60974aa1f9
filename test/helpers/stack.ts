import { createJourney } from '../../db/journeys';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChannelRegistry } from '../../channels';
import { provisionOrg } from '../../api/orgs';
import { type Config, loadConfig } from '../../config';
import type { Db } from '../../db/database';
import type { SecretBox } from '../../platform/secrets';
import { type Stack, startStack } from '../../platform/stack';
import { TEST_MASTER_KEY, testSecrets } from './secrets';

export { TEST_MASTER_KEY };

export interface TestStack extends Stack {
  url: string;
  config: Config;
}

/** API on an ephemeral port and a worker on a task queue of its own, against the run's dev server and database. */
export async function startTestStack(
  overrides: Partial<Config> = {},
  opts: { api?: boolean; worker?: boolean; channels?: (db: Db, secrets: SecretBox) => ChannelRegistry } = {},
): Promise<TestStack> {
  const config = loadConfig(
    {},
    {
      PORT: 0,
      LOG_LEVEL: 'silent',
      DATABASE_URL: process.env.PARLEY_TEST_DATABASE_URL,
      DATABASE_POOL_MAX: 5,
      TEMPORAL_ADDRESS: process.env.PARLEY_TEST_TEMPORAL,
      TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
      PARLEY_MASTER_KEY: TEST_MASTER_KEY,
      // Suites drive one key hard; the per-key limit has its own test (request-log.test.ts), with its own values.
      API_KEY_RATE: 10_000,
      API_KEY_BURST: 10_000,
      // Any answer that drifts from the document fails the test that reads it.
      PARLEY_VALIDATE_RESPONSES: true,
      ...overrides,
    },
  );
  const stack = await startStack(config, {
    api: opts.api ?? true,
    worker: opts.worker ?? true,
    workflowBundle: { codePath: process.env.PARLEY_TEST_BUNDLE! },
    channelsFor: opts.channels,
  });
  return { ...stack, url: stack.url ?? '', config };
}

export function sampleJourney(name: string): unknown {
  return JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'samples', 'journeys', `${name}.json`), 'utf8'));
}

/** An org with a sandbox channel, an API key and the given journey. */
export async function seedOrg(db: Db, journey: unknown = sampleJourney('demo'), settings = {}) {
  const org = await provisionOrg(db, testSecrets, `Org ${randomBytes(3).toString('hex')}`, settings);
  const journeyId = await createJourney(db, { orgId: org.orgId, name: 'Test journey', definition: journey });
  return { ...org, journeyId };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for the API under test. */
export function apiClient(baseUrl: string, key?: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (CSV, XML): the raw text is the body
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
  return {
    get: <T = any>(p: string) => call<T>('GET', p),
    post: <T = any>(p: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', p, body ?? {}, headers),
    put: <T = any>(p: string, body?: unknown) => call<T>('PUT', p, body),
    raw: call,
  };
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 45_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
