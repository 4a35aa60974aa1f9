import { sql } from 'kysely';
import type { Db } from './database';
import type { ConversationStatus } from './tables/conversation.table';

const STATS_TIMEOUT_MS = 2_000;

/** Conversations per status over all organisations: one grouped query, cut short if the table is too big to count quickly. */
export async function conversationsByStatus(db: Db): Promise<Map<ConversationStatus, number>> {
  const rows = await db.transaction().execute(async (trx) => {
    await sql`set local statement_timeout = ${sql.lit(STATS_TIMEOUT_MS)}`.execute(trx);
    return trx
      .selectFrom('conversations')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('status')
      .execute();
  });
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}
