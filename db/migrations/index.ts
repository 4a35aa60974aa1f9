import type { Migration, MigrationProvider } from 'kysely';
import * as foundation from './2026-11-22T1500-foundation';
import * as consentInbound from './2026-11-22T1600-consent-inbound';
import * as idempotency from './2026-11-23T0200-idempotency';

// Listed statically so that the same code runs under tsx, jest and a compiled build.
const migrations: Record<string, Migration> = {
  '2026-11-22T1500-foundation': foundation,
  '2026-11-22T1600-consent-inbound': consentInbound,
  '2026-11-23T0200-idempotency': idempotency,
};

export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };
