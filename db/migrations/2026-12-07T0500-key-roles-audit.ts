import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Keys that existed before roles could do everything: they stay admin.
  await db.schema
    .alterTable('api_keys')
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .defaultTo('admin')
        .check(sql`role in ('admin', 'ops', 'agent', 'readonly')`),
    )
    .addColumn('last_used_at', 'timestamptz')
    .execute();

  // No foreign key to orgs: an org's deletion must not delete (or be blocked by) its audit trail.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('org_id', 'uuid')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_key_id', 'uuid')
    .addColumn('ip', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('result', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_org_at').on('audit_log').columns(['org_id', 'at']).execute();
  // Append-only whatever role the application connects with: a trigger, since the app may well own the table.
  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % refused', tg_op;
    end $$`.execute(db);
  await sql`create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_append_only()`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_append_only()`.execute(db);

  await db.schema
    .createTable('request_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('request_log_org_id').on('request_log').columns(['org_id', 'id']).execute();
  await db.schema.createIndex('request_log_at').on('request_log').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('request_log').ifExists().execute();
  await db.schema.dropTable('audit_log').ifExists().execute();
  await sql`drop function if exists audit_log_append_only()`.execute(db);
  await db.schema.alterTable('api_keys').dropColumn('last_used_at').dropColumn('role').execute();
}
