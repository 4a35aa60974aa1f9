import type { Db } from '../../db/database';
import {
  orgsWithRetention,
  purgeDsrBundles,
  purgeEndedConversations,
  purgeInactiveContacts,
  purgeLooseMessages,
  purgeWebhookAttempts,
  purgeWebhookDeliveries,
} from '../../db/retention';

export interface SweepOptions {
  /** Only this org; every org with a retention setting when absent. */
  orgId?: string;
  /** The time the periods count back from. */
  now: Date;
  /** Rows per DELETE statement. */
  batch?: number;
  /** Deletes the Temporal executions of purged conversations (best effort: the rows are gone already). */
  deleteWorkflows?: (workflowIds: string[]) => Promise<void>;
  /**
   * The namespace retention: a conversation that ended longer ago than this before the real clock's now has no
   * execution left to delete. Every purged conversation's execution is deleted when absent.
   */
  executionRetentionMs?: number;
  /** Called after every batch (an activity heartbeats). */
  progress?: () => void;
}

export interface SweepResult {
  orgs: number;
  conversations: number;
  messages: number;
  events: number;
  contacts: number;
  webhookDeliveries: number;
  webhookAttempts: number;
  dsrBundles: number;
}

const DAY_MS = 86_400_000;
export const SWEEP_BATCH = 500;

/** Repeats one batch until it deletes nothing; the total it deleted. */
async function drain(step: () => Promise<number>, progress?: () => void): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    progress?.();
    total += n;
    if (n === 0) return total;
  }
}

/** Deletes what each org's retention periods put past due at `now`, in batches of one statement each. */
export async function sweepRetention(db: Db, opts: SweepOptions): Promise<SweepResult> {
  const batch = opts.batch ?? SWEEP_BATCH;
  const result: SweepResult = {
    orgs: 0,
    conversations: 0,
    messages: 0,
    events: 0,
    contacts: 0,
    webhookDeliveries: 0,
    webhookAttempts: 0,
    dsrBundles: 0,
  };
  const before = (days: number) => new Date(opts.now.getTime() - days * DAY_MS);
  const executionsSince = opts.executionRetentionMs === undefined ? undefined : new Date(Date.now() - opts.executionRetentionMs);
  for (const org of await orgsWithRetention(db, opts.orgId)) {
    result.orgs++;
    const { conversationsDays, inactiveContactsDays, webhookDeliveriesDays, dsrBundlesDays } = org.retention;
    if (conversationsDays) {
      const cutoff = before(conversationsDays);
      // A batch's executions are deleted while the next batch's rows are: one round trip each to Temporal per
      // execution costs more than the rows, so the two overlap (one batch of deletes outstanding at most).
      let deleting: Promise<void> = Promise.resolve();
      result.conversations += await drain(async () => {
        const purged = await purgeEndedConversations(db, org.id, cutoff, batch, executionsSince);
        result.messages += purged.messages;
        result.events += purged.events;
        await deleting;
        if (purged.workflowIds.length && opts.deleteWorkflows) deleting = opts.deleteWorkflows(purged.workflowIds);
        return purged.conversations;
      }, opts.progress);
      await deleting;
      result.messages += await drain(() => purgeLooseMessages(db, org.id, cutoff, batch), opts.progress);
    }
    if (inactiveContactsDays) {
      result.contacts += await drain(() => purgeInactiveContacts(db, org.id, before(inactiveContactsDays), batch), opts.progress);
    }
    if (webhookDeliveriesDays) {
      const cutoff = before(webhookDeliveriesDays);
      result.webhookDeliveries += await drain(() => purgeWebhookDeliveries(db, org.id, cutoff, batch), opts.progress);
      result.webhookAttempts += await drain(() => purgeWebhookAttempts(db, org.id, cutoff, batch), opts.progress);
    }
    if (dsrBundlesDays) {
      result.dsrBundles += await drain(() => purgeDsrBundles(db, org.id, before(dsrBundlesDays), batch), opts.progress);
    }
  }
  return result;
}
