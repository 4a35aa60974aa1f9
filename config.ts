import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseAllowEntry } from './platform/outbound/address';
import { DEFAULT_RETRY_DELAYS_S } from './platform/webhooks/schedule';

/** "a, b,,c" as ["a", "b", "c"]. */
const commaList = (s: string) =>
  s
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('API port'),
  PUBLIC_URL: z
    .string()
    .url()
    .optional()
    .describe('Public base URL of the API as providers reach it: webhook signatures and status callback URLs'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().optional().describe('PostgreSQL URL; npm start runs an embedded PostgreSQL when unset'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(10),
  PARLEY_DATA_DIR: z.string().default('.data').describe('Local state for the dev stack'),
  POSTGRES_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(5433).describe('npm start: port of the embedded PostgreSQL it runs'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233).describe('npm start: port of the dev server it runs'),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233).describe('npm start: port of the dev server Web UI'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('parley'),
  TEMPORAL_TLS: bool.describe('Use TLS to reach Temporal'),
  TEMPORAL_TLS_CERT: z.string().optional().describe('Path to the client certificate (mTLS)'),
  TEMPORAL_TLS_KEY: z.string().optional().describe('Path to the client key (mTLS)'),
  TEMPORAL_API_KEY: z.string().optional().describe('Temporal Cloud API key; implies TLS'),
  PARLEY_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes, base64')
    .optional()
    .describe('Key that encrypts Temporal payloads; generated into the data folder in development'),
  PARLEY_HASH_KEY: z.string().min(16).optional().describe('Key for hashed identifiers; derived from the master key when unset'),
  PARLEY_ADMIN_TOKEN: z
    .string()
    .min(32)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .describe('Bearer token of platform admins for the /codec endpoint; without it /codec is disabled (404), except under npm start'),
  PARLEY_VALIDATE_RESPONSES: bool.describe(
    'Tests set it: each JSON answer is checked against its documented schema, and a mismatch is answered 500',
  ),
  PARLEY_DEV_CODEC_LOOPBACK: bool.describe(
    'npm start sets it: without PARLEY_ADMIN_TOKEN, /codec trusts requests from this machine that no proxy forwarded; the API process refuses it',
  ),
  CODEC_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:8233,http://localhost:8233')
    .transform(commaList)
    .describe('Temporal UI origins allowed to call /codec'),
  JWT_SECRET: z.string().min(32).optional().describe('Signs short-lived API tokens; derived from the master key when unset'),
  JWT_KEY_GENERATIONS: z
    .string()
    .default('1')
    .transform((s) => s.split(',').map((g) => g.trim()))
    .pipe(z.array(z.string().regex(/^[1-9]\d{0,5}$/, 'expected generation numbers such as 2,1')).min(1))
    .describe(
      'Token signing key generations, newest first: the first signs, every one listed is accepted (kid). Rotate: 2,1, then 2 once tokens of 1 expired',
    ),
  API_KEY_RATE: z.coerce.number().min(0.001).max(100_000).default(50).describe('Requests per second per API key, refilled continuously'),
  API_KEY_BURST: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(100)
    .describe('Requests one API key may make at once before API_KEY_RATE applies'),
  DATA_REGION: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,31}$/, 'expected a region name such as eu-west')
    .default('local')
    .describe("The data region this stack (database, Temporal namespace, workers) serves; an organisation's data never leaves it"),
  REQUEST_LOG_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(30)
    .describe("Days the request log is kept, unless an org's requestLogDays says otherwise"),
  MAX_JSON_CONTACTS: z.coerce.number().int().min(1).default(5000).describe('Most contacts in one JSON campaign body'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024)
    .describe('Largest JSON request body; a larger one is a 413'),
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(50 * 1024 * 1024)
    .describe('Largest contacts file uploaded to POST /v1/campaigns; a larger one is a 413'),
  IMPORT_SYNC_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(2 * 1024 * 1024)
    .describe('Largest contacts file imported while the request waits; a larger one is imported by a workflow and answered 202'),
  IMPORT_MAX_UNPACKED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024 * 1024)
    .describe('Most bytes an uploaded .xlsx may unpack to; more is refused as a zip bomb'),
  IMPORT_BATCH_ROWS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(5000)
    .describe('File rows a workflow import reads and stores per transaction; a retry resumes after the last stored batch'),
  MAX_CONTACT_FIELDS: z.coerce.number().int().min(1).max(1000).default(100).describe('Most fields on one contact in a request'),
  MAX_FIELD_CHARS: z.coerce.number().int().min(1).max(100_000).default(1000).describe('Longest contact field value, in characters'),
  MAX_JOURNEY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(256 * 1024)
    .describe('Largest journey definition, in bytes of JSON'),
  IMPORT_STALE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24)
    .describe('An import without progress for this long is abandoned: the hourly housekeeping deletes its file chunks'),
  IDEMPOTENCY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24)
    .describe('How long an Idempotency-Key and its first answer are kept'),
  INBOUND_RELAY_SWEEP_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(2_000)
    .describe('How often the API looks for acknowledged inbound messages still to route (after a crash or a failed try)'),
  CAMPAIGN_WINDOW: z.coerce.number().int().min(1).max(1000).default(100).describe('Conversations starting at once per campaign'),
  CAMPAIGN_RUN_LIMIT: z.coerce
    .number()
    .int()
    .min(10)
    .max(1500)
    .default(500)
    .describe('Children started per campaign run before continue-as-new'),
  OUTBOUND_ALLOW: z
    .string()
    .default('')
    .transform(commaList)
    .pipe(z.array(z.string().refine((e) => parseAllowEntry(e) !== undefined, 'expected host names, IP addresses or CIDR ranges')))
    .describe('Hosts and ranges that outbound requests (enrichment) may reach over plain http or on private addresses'),
  OUTBOUND_DNS_SERVERS: z
    .string()
    .default('')
    .transform(commaList)
    .pipe(
      z.array(
        z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d{1,5})?$/, 'expected IP addresses, each with an optional :port'),
      ),
    )
    .describe("Name servers for enrichment, webhook and callback host names (the system's resolver when empty)"),
  ENRICH_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe('Tries of one enrichment before the step follows onError'),
  ENRICH_TIMEOUT_MS: z.coerce.number().int().min(100).max(25_000).default(5_000).describe('Time limit of one enrichment request'),
  ENRICH_BREAKER_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(5)
    .describe("Transient enrichment failures in a row that open an organisation's circuit breaker"),
  ENRICH_BREAKER_OPEN_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(30_000)
    .describe('How long an open breaker holds enrichments back (they wait, not fail) before one probe tries the endpoint'),
  ENRICH_BREAKER_PROBE_LEASE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(30_000)
    .describe('How long the probe of a half-open breaker may take before another caller may probe'),
  WEBHOOK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(15_000)
    .describe('Time limit of one webhook delivery; only a 2xx within it counts'),
  WEBHOOK_RETRY_DELAYS: z
    .string()
    .default(DEFAULT_RETRY_DELAYS_S.join(','))
    .transform((s) => s.split(',').map((v) => Number(v.trim())))
    .pipe(z.array(z.number().min(0)).min(1))
    .describe('Seconds before each retry of a webhook delivery, comma-separated (jittered by ±10%)'),
  WEBHOOK_RETRY_SCALE: z.coerce.number().positive().default(1).describe('Multiplies WEBHOOK_RETRY_DELAYS (tests shorten the schedule)'),
  WEBHOOK_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * 24 * 3600 * 1000)
    .describe('A webhook endpoint that has failed every attempt for this long is disabled'),
  WEBHOOK_SECRET_OVERLAP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3600 * 1000)
    .describe('How long a rotated-out webhook secret keeps signing beside the new one'),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64).describe('Webhook requests in flight per endpoint'),
  RETENTION_DAY_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(86_400)
    .describe('The length of a retention day for the per-conversation purge timers: shorter only for drills and tests'),
  PROPENSITY_MIN_CONVERSATIONS: z.coerce
    .number()
    .int()
    .min(10)
    .max(1_000_000)
    .default(200)
    .describe('Ended conversations a journey needs before its outcome-propensity model is trained; fewer, and the API says so'),
  PROPENSITY_MAX_CONVERSATIONS: z.coerce
    .number()
    .int()
    .min(100)
    .max(1_000_000)
    .default(20_000)
    .describe('Most recently ended conversations the nightly propensity training reads per journey'),
  WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(1).default(100),
  WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).default(200),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .default(500)
    .describe("Workflows kept in a worker's memory between tasks; one not kept is replayed from its history on its next task"),
  WORKER_METRICS_ADDRESS: z
    .string()
    .refine(isSocketAddress, 'must be an IP address and port, e.g. 0.0.0.0:9464 or [::]:9464')
    .optional()
    .describe("Where a worker serves the Temporal SDK's Prometheus metrics (/metrics); off when unset"),
  METRICS_TOKEN: z
    .string()
    .min(16)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .describe("Bearer token the API's /metrics requires; open when unset"),
});

/** The SDK's exporter binds an IP literal and port, not a host name. */
function isSocketAddress(value: string): boolean {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  return !!m && isIP(m[1] ?? m[2]) === (m[1] ? 6 : 4) && Number(m[3]) <= 65535;
}

export type Config = Readonly<z.infer<typeof schema>>;

/** Parses the environment once, reporting every problem at start-up. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze({ ...parsed.data, ...overrides });
}

/** Connection options for a local dev server, a self-hosted cluster (mTLS) or Temporal Cloud (API key). */
export function temporalConnectionOptions(config: Config) {
  const mtls =
    config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
      ? { clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT), key: readFileSync(config.TEMPORAL_TLS_KEY) } }
      : undefined;
  const tls = config.TEMPORAL_TLS || !!config.TEMPORAL_API_KEY || !!mtls;
  return {
    address: config.TEMPORAL_ADDRESS,
    tls: tls ? (mtls ?? true) : undefined,
    apiKey: config.TEMPORAL_API_KEY,
  };
}

/** The master key from the environment, or one generated into the data folder for development. */
export function masterKey(config: Config): Buffer {
  if (config.PARLEY_MASTER_KEY) return Buffer.from(config.PARLEY_MASTER_KEY, 'base64');
  const file = path.join(config.PARLEY_DATA_DIR, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(config.PARLEY_DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export function hashKey(config: Config): Buffer {
  if (config.PARLEY_HASH_KEY) return Buffer.from(config.PARLEY_HASH_KEY);
  return Buffer.from(hkdfSync('sha256', masterKey(config), Buffer.alloc(0), 'parley-hash', 32));
}

export function jwtSecret(config: Config): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  return Buffer.from(hkdfSync('sha256', masterKey(config), Buffer.alloc(0), 'parley-jwt', 32)).toString('base64');
}

/** Token signing keys by kid: generation 1 is the original secret, each later one derived from it and its number. */
export interface SigningKeys {
  current: { kid: string; secret: string };
  accepted: ReadonlyMap<string, string>;
}

export function signingKeys(config: Config): SigningKeys {
  const base = jwtSecret(config);
  const secretOf = (generation: string) =>
    generation === '1' ? base : Buffer.from(hkdfSync('sha256', base, Buffer.alloc(0), `parley-jwt-${generation}`, 32)).toString('base64');
  const accepted = new Map(config.JWT_KEY_GENERATIONS.map((g) => [g, secretOf(g)]));
  const kid = config.JWT_KEY_GENERATIONS[0];
  return { current: { kid, secret: accepted.get(kid)! }, accepted };
}
