// Settings of `npm run start:cluster`, from the environment. The Parley
// processes it starts read config.ts as usual.
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .default('postgres://postgres@127.0.0.1:5432/parley')
    .describe("Parley's database; the cluster's databases go on the same server"),
  TEMPORAL_DB_NAME: z
    .string()
    .regex(/^\w+$/)
    .default('temporal')
    .describe("npm run start:cluster: database of the Temporal server's state"),
  TEMPORAL_VISIBILITY_DB_NAME: z
    .string()
    .regex(/^\w+$/)
    .default('temporal_visibility')
    .describe('npm run start:cluster: database of Temporal visibility (lists, search attributes)'),
  TEMPORAL_CLUSTER_PORT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(32000)
    .default(7233)
    .describe(
      "npm run start:cluster: gRPC port of the Temporal frontend; its other ports are laid out around it as in Temporal's template",
    ),
  TEMPORAL_DB_MAX_CONNS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5)
    .describe('npm run start:cluster: connections per Temporal service to its database'),
  CLUSTER_WORKERS: z.coerce.number().int().min(1).max(16).default(2).describe('npm run start:cluster: worker processes'),
  PARLEY_DATA_DIR: z.string().default('.data'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_RETENTION: z.string().default('7d').describe('npm run start:cluster: retention of a namespace it creates'),
});

export type ClusterSettings = Readonly<z.infer<typeof schema>>;

export function loadClusterSettings(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

/**
 * The URL of a database on the cluster's PostgreSQL server. The one seam for
 * where that server is: an embedded PostgreSQL can replace it here.
 */
export function clusterDatabaseUrl(settings: ClusterSettings, database: string): string {
  const url = new URL(settings.DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export const parleyDatabase = (settings: ClusterSettings) =>
  decodeURIComponent(new URL(settings.DATABASE_URL).pathname.slice(1)) || 'parley';
