import { createJourney } from '../../db/journeys';
import { sql } from 'kysely';
import { provisionOrg } from '../../api/orgs';
import type { ChaosEnv } from './env';

export const GREETING = 'Hi <<firstName>>, this is a fault test.';
export const QUESTION = 'Reply YES or NO.';
// Replies other than YES keep the conversation live, so that a burst from one person stays in one conversation.
const JOURNEY = {
  name: 'Chaos',
  start: 'hello',
  columns: ['firstName'],
  fallbacks: { firstName: 'there' },
  steps: [
    { id: 'hello', kind: 'message', text: GREETING, next: 'ask' },
    {
      id: 'ask',
      kind: 'ask',
      text: QUESTION,
      timeout: '1h',
      branches: [{ match: { yesno: 'yes' }, next: 'end' }],
      invalidText: QUESTION,
      maxInvalid: 10,
      onTooManyInvalid: 'end',
      onTimeout: 'end',
    },
    { id: 'end', kind: 'end', outcome: 'Completed' },
  ],
};

/** An org with a sandbox channel and the fault-test journey, optionally also its inbound journey. */
export async function seedChaosOrg(env: ChaosEnv, opts: { inbound?: boolean } = {}) {
  const org = await provisionOrg(env.db, env.api.secrets, 'Chaos');
  const journeyId = await createJourney(env.db, { orgId: org.orgId, name: 'Chaos', definition: JOURNEY });
  if (opts.inbound) {
    await env.db
      .updateTable('orgs')
      .set({ settings: sql`settings || ${JSON.stringify({ inboundJourneyId: journeyId })}::jsonb` })
      .where('id', '=', org.orgId)
      .execute();
  }
  return { ...org, journeyId, headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' } };
}

export type ChaosOrg = Awaited<ReturnType<typeof seedChaosOrg>>;

/** Starts a campaign of n contacts through the API; returns its id. */
export async function startCampaign(env: ChaosEnv, org: ChaosOrg, n: number): Promise<string> {
  const contacts = Array.from({ length: n }, (_, i) => ({
    address: `+4479111${String(i).padStart(5, '0')}`,
    fields: { firstName: `P${i}` },
  }));
  const res = await fetch(`${env.apiUrl}/v1/campaigns`, {
    method: 'POST',
    headers: org.headers,
    body: JSON.stringify({ journeyId: org.journeyId, channelId: org.channelId, contacts }),
  });
  if (res.status !== 201) throw new Error(`campaign POST answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

const countOf = (rows: { n: number }[]) => rows[0]?.n ?? 0;

/** What the sandbox outbox and the database say about an org's channel: people greeted, duplicate greetings, conversations not yet at their first wait. */
export async function channelFigures(env: ChaosEnv, org: ChaosOrg) {
  const { db } = env;
  const greetings = await db
    .selectFrom('sandbox_outbox')
    .select([sql<number>`count(*)::int`.as('sent'), sql<number>`count(distinct address)::int`.as('people')])
    .where('channel_id', '=', org.channelId)
    .where('body', 'like', 'Hi %')
    .executeTakeFirstOrThrow();
  const conversations = countOf(
    await db
      .selectFrom('conversations')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('channel_id', '=', org.channelId)
      .execute(),
  );
  // Settled: the question went out (the conversation waits for a reply), or it ended.
  const stuck = countOf(
    await db
      .selectFrom('conversations as c')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('c.channel_id', '=', org.channelId)
      .where('c.status', 'not in', ['ended', 'skipped', 'cancelled'])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('messages as m')
              .select('m.id')
              .whereRef('m.conversation_id', '=', 'c.id')
              .where('m.step', '=', 'ask')
              .where('m.provider_message_id', 'is not', null),
          ),
        ),
      )
      .execute(),
  );
  return { conversations, firstMessages: greetings.people, duplicates: greetings.sent - greetings.people, stuck };
}

export type Figures = Awaited<ReturnType<typeof channelFigures>> & { contacts: number };

/** Polls until `done` holds for the channel's figures or `limitMs` has passed; returns the figures and the seconds it took. */
export async function awaitSettled(
  env: ChaosEnv,
  org: ChaosOrg,
  contacts: number,
  limitMs: number,
  done: (f: Figures) => Promise<boolean> | boolean = settled,
) {
  const t0 = Date.now();
  for (;;) {
    const figures = { contacts, ...(await channelFigures(env, org)) };
    const ok = await done(figures);
    if (ok || Date.now() - t0 > limitMs) return { figures, seconds: Math.round((Date.now() - t0) / 100) / 10, settled: ok };
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const settled = (f: Figures) => f.conversations === f.contacts && f.firstMessages === f.contacts && f.stuck === 0;

export async function campaignStatus(env: ChaosEnv, campaignId: string) {
  return (await env.db.selectFrom('campaigns').select('status').where('id', '=', campaignId).executeTakeFirstOrThrow()).status;
}

/** Resolves once at least `count` first messages of the channel are in the outbox. */
export async function awaitFirstMessages(env: ChaosEnv, org: ChaosOrg, count: number, limitMs: number) {
  const deadline = Date.now() + limitMs;
  while (
    (
      await env.db
        .selectFrom('sandbox_outbox')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('channel_id', '=', org.channelId)
        .where('body', 'like', 'Hi %')
        .executeTakeFirstOrThrow()
    ).n < count
  ) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} first messages after ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
