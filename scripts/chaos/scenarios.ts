import { sql } from 'kysely';
import {
  type Figures,
  awaitFirstMessages,
  channelFigures,
  awaitSettled,
  campaignStatus,
  seedChaosOrg,
  settled,
  startCampaign,
} from './campaign';
import type { ChaosEnv } from './env';

export interface ScenarioOptions {
  contacts: number;
  kills: number;
  outageSeconds: number;
  temporalDownSeconds: number;
  recoveryLimitSeconds: number;
}

export interface ScenarioResult {
  scenario: string;
  figures: Figures & { recoverSeconds: number; faults: number; workerExits: number } & Record<string, number | string | boolean>;
  pass: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

async function healthy(env: ChaosEnv): Promise<boolean> {
  const res = await fetch(`${env.apiUrl}/healthz`).catch(() => undefined);
  return res?.status === 200;
}

/** Runs a campaign of `contacts`, applies `fault` once `faultAt` of the first messages are out, then waits for the campaign to settle. */
async function campaignUnder(
  env: ChaosEnv,
  name: string,
  o: ScenarioOptions,
  faultAt: number,
  fault: (sentSoFar: () => Promise<number>) => Promise<number>,
  extra: Record<string, number | string | boolean> = {},
): Promise<ScenarioResult> {
  await env.workerUp();
  const org = await seedChaosOrg(env);
  const campaignId = await startCampaign(env, org, o.contacts);
  await awaitFirstMessages(env, org, Math.max(1, Math.ceil(o.contacts * faultAt)), o.recoveryLimitSeconds * 1000);
  const faults = await fault(async () => (await channelFigures(env, org)).firstMessages);
  const done = async (f: Figures) => settled(f) && (await campaignStatus(env, campaignId)) === 'completed';
  const { figures, seconds, settled: ok } = await awaitSettled(env, org, o.contacts, o.recoveryLimitSeconds * 1000, done);
  const alive = env.workerAlive() && (await healthy(env));
  return {
    scenario: name,
    figures: { ...figures, recoverSeconds: seconds, faults, workerExits: env.stats.workerExits, processesUp: alive, ...extra },
    pass: ok && figures.duplicates === 0 && env.stats.workerExits === 0 && alive && Object.values(extra).every((v) => v !== false),
  };
}

/** R1: the worker process is SIGKILLed at random moments and restarted each time. */
export async function workerKills(env: ChaosEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  const seen = { killsBeforeLastFirstMessage: 0 };
  const result = await campaignUnder(env, 'R1', o, 0, async (sentSoFar) => {
    let kills = 0;
    while (kills < o.kills) {
      await sleep(between(500, 4000));
      if ((await sentSoFar()) < o.contacts) seen.killsBeforeLastFirstMessage++;
      await env.workerKill('SIGKILL');
      kills++;
      await env.workerUp();
    }
    return kills;
  });
  result.figures.killsBeforeLastFirstMessage = seen.killsBeforeLastFirstMessage;
  return result;
}

/** R2: the dev server is stopped and started again on the same file. */
export async function temporalRestart(env: ChaosEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  return campaignUnder(env, 'R2', o, 1 / 3, async () => {
    await env.temporalDown();
    await sleep(o.temporalDownSeconds * 1000);
    await env.temporalUp();
    return 1;
  });
}

/** R3: PostgreSQL is unreachable for a while: the proxy in front of it resets every connection and refuses new ones. */
export async function databaseOutage(env: ChaosEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  // Read after the fault has run: campaignUnder copies it into the figures and fails on a false.
  const seen = { healthDownDuringOutage: false };
  return campaignUnder(
    env,
    'R3',
    o,
    1 / 3,
    async () => {
      env.proxy.cut();
      const until = Date.now() + o.outageSeconds * 1000;
      while (Date.now() < until) {
        const res = await fetch(`${env.apiUrl}/healthz`).catch(() => undefined);
        if (res?.status === 503 && ((await res.json()) as { database?: string }).database === 'down') seen.healthDownDuringOutage = true;
        await sleep(Math.min(1000, Math.max(0, until - Date.now())));
      }
      env.proxy.restore();
      return 1;
    },
    seen,
  );
}

const PEOPLE = 50;
const MESSAGES_EACH = 4;
const REPEATS = 5;

/** R5: one inbound message posted five times at once, then 200 first messages from 50 people at once. */
export async function inboundBurst(env: ChaosEnv, o: ScenarioOptions): Promise<ScenarioResult> {
  await env.workerUp();
  const org = await seedChaosOrg(env, { inbound: true });
  const post = (from: string, text: string, id: string) =>
    fetch(`${env.apiUrl}/v1/sandbox/${org.channelId}/inbound`, {
      method: 'POST',
      headers: org.headers,
      body: JSON.stringify({ from, text, id }),
    }).then((r) => r.status);
  const t0 = Date.now();

  const repeatStatuses = await Promise.all(Array.from({ length: REPEATS }, () => post('+447911200000', 'Hello there', 'chaos-repeat')));
  const burst = Array.from({ length: PEOPLE * MESSAGES_EACH }, (_, i) => ({
    from: `+4479112${String(1 + (i % PEOPLE)).padStart(5, '0')}`,
    text: `Question ${i}`,
    id: `chaos-burst-${i}`,
  }));
  const burstStatuses = await Promise.all(burst.map((m) => post(m.from, m.text, m.id)));

  const contacts = PEOPLE + 1;
  const { figures, seconds, settled: ok } = await awaitSettled(env, org, contacts, o.recoveryLimitSeconds * 1000);
  const inbound = await env.db
    .selectFrom('messages')
    .select([
      sql<number>`count(*)::int`.as('rows'),
      sql<number>`count(distinct provider_message_id)::int`.as('distinct'),
      sql<number>`count(*) filter (where provider_message_id = 'chaos-repeat')::int`.as('repeatRows'),
      sql<number>`count(*) filter (where conversation_id is null)::int`.as('unrouted'),
    ])
    .where('channel_id', '=', org.channelId)
    .where('direction', '=', 'in')
    .executeTakeFirstOrThrow();
  const extra = {
    repeatPosts: REPEATS,
    repeatMessageRows: inbound.repeatRows,
    burstMessages: burst.length,
    inboundRows: inbound.rows,
    inboundDistinct: inbound.distinct,
    inboundUnrouted: inbound.unrouted,
    rejectedPosts: [...repeatStatuses, ...burstStatuses].filter((s) => s >= 300).length,
  };
  const alive = env.workerAlive() && (await healthy(env));
  const pass =
    ok &&
    figures.duplicates === 0 &&
    inbound.repeatRows === 1 &&
    inbound.rows === burst.length + 1 &&
    inbound.distinct === inbound.rows &&
    inbound.unrouted === 0 &&
    extra.rejectedPosts === 0 &&
    env.stats.workerExits === 0 &&
    alive;
  return {
    scenario: 'R5',
    figures: {
      ...figures,
      recoverSeconds: Math.round((Date.now() - t0) / 100) / 10,
      settleSeconds: seconds,
      faults: 0,
      workerExits: env.stats.workerExits,
      processesUp: alive,
      ...extra,
    },
    pass,
  };
}

export const SCENARIOS = { R1: workerKills, R2: temporalRestart, R3: databaseOutage, R5: inboundBurst } as const;
