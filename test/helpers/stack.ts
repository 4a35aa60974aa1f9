import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChannelRegistry } from '../../activities/channels';
import { provisionOrg } from '../../api/orgs';
import { type Config, loadConfig } from '../../config';
import type { Db } from '../../db/database';
import { type Stack, startStack } from '../../scripts/stack';

/** A fixed key, so that recorded histories can be decoded by the replay test. Test data only. */
export const TEST_MASTER_KEY = 'cGFybGV5IHRlc3Qga2V5LCBub3QgZm9yIHByb2QhISE=';

export interface TestStack extends Stack {
  url: string;
  config: Config;
}

/** API on an ephemeral port and a worker on a task queue of its own, against the run's dev server and database. */
export async function startTestStack(
  overrides: Partial<Config> = {},
  opts: { api?: boolean; worker?: boolean; channels?: (db: Db) => ChannelRegistry } = {},
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
  const org = await provisionOrg(db, `Org ${randomBytes(3).toString('hex')}`, settings);
  const j = await db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('journeys').values({ org_id: org.orgId, name: 'Test journey', current_version: 1 }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('journey_versions').values({ journey_id: row.id, version: 1, definition: JSON.stringify(journey) }).execute();
    return row;
  });
  return { ...org, journeyId: j.id };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for the API under test. */
export function apiClient(baseUrl: string, key?: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
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
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
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
