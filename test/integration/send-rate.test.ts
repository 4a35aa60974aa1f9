import { randomInt } from 'node:crypto';
import { createChannel } from '../../db/channels';
import { conversationWorkflowId } from '../../workflows/contracts';
import { type FakeWhatsApp, startFakeWhatsApp } from '../fakes/whatsapp';
import { greetingJourney } from '../fixtures/journeys';
import { recordHistory } from '../helpers/histories';
import { type WorkerProcess, spawnWorker } from '../helpers/spawn-worker';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

// Its own number: the suite shares one database, and /hooks/whatsapp routes by it.
const PHONE_NUMBER_ID = `1065${randomInt(10 ** 10, 10 ** 11)}`;
const SECRETS = { accessToken: 'EAAG-rate', appSecret: 'rate-app-secret', verifyToken: 'rate-verify' };
const QUESTION = 'Can we help with your account today? Reply YES or NO.';

/** The most of these moments that fall within any one second. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= 1000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

// A send is paced when its slot is granted; it reaches the provider after a variable delay on a loaded machine,
// which may bunch arrivals a little. The limiter's spacing shows in the span too, which a delay only stretches.
const ARRIVAL_JITTER = 2;

/** Asserts arrivals at most `perSecond` + `burst` (+ jitter) in any second, spread over the time the rate needs. */
function expectPaced(times: number[], perSecond: number, burst: number) {
  expect(busiestSecond(times)).toBeLessThanOrEqual(perSecond + burst + ARRIVAL_JITTER);
  const spanMs = Math.max(...times) - Math.min(...times);
  expect(spanMs).toBeGreaterThanOrEqual(((times.length - burst) / perSecond - 1) * 1000);
}

const contacts = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    address: `0${prefix.slice(0, 4)} ${prefix.slice(4)}${String(i + 1).padStart(2, '0')}`,
    fields: { firstName: `P${i + 1}` },
  }));
// WhatsApp reads bare digits as an international number, so the national form keeps its space.
const digits = (address: string) => `44${address.replace(/\D/g, '').slice(1)}`;

async function whatsAppChannel(stack: TestStack, orgId: string, fake: FakeWhatsApp, extra: Record<string, unknown>) {
  const config = { phoneNumberId: PHONE_NUMBER_ID, ...SECRETS, apiBaseUrl: fake.baseUrl, requestTimeoutMs: 5000, ...extra };
  return (await createChannel(stack.db, { orgId, kind: 'whatsapp', name: 'WhatsApp', config })).id;
}

/** What the fake took for each person, in order: the texts. */
const takenBy = (fake: FakeWhatsApp, people: { address: string }[]) =>
  people.map((p) => fake.accepted.filter((a) => a.to === digits(p.address)).map((a) => a.body.text?.body));
const expectedTexts = (people: { fields: { firstName: string } }[]) =>
  people.map((p) => [`Hi ${p.fields.firstName}, this is Parley.`, QUESTION]);
const sends = (fake: FakeWhatsApp) => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));

/** Waits until all `n` outbound messages on the channel are sent; fails on the first failed one. */
const allSent = (stack: TestStack, channelId: string, n: number, timeoutMs = 60_000) =>
  eventually(
    async () => {
      const rows = await stack.db
        .selectFrom('messages')
        .select(['status', 'error'])
        .where('channel_id', '=', channelId)
        .where('direction', '=', 'out')
        .execute();
      const failed = rows.find((r) => r.status === 'failed');
      if (failed) throw new Error(`a message failed: ${failed.error}`);
      return rows.length === n && rows.every((r) => r.status === 'sent') ? rows : undefined;
    },
    timeoutMs,
    `${n} messages sent`,
  );

describe('per-sender send rates across worker processes', () => {
  let api: TestStack;
  let rescuer: TestStack | undefined;
  let storm: TestStack | undefined;
  const fakes: FakeWhatsApp[] = [];
  const workers: WorkerProcess[] = [];
  const newFake = async (opts: Partial<Parameters<typeof startFakeWhatsApp>[0]> = {}) => {
    const fake = await startFakeWhatsApp({ ...SECRETS, phoneNumberId: PHONE_NUMBER_ID, ...opts });
    fakes.push(fake);
    return fake;
  };

  beforeAll(async () => {
    api = await startTestStack({}, { worker: false });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await rescuer?.stop();
    await storm?.stop();
    await api?.stop();
    await Promise.all(fakes.map((f) => f.close()));
  });

  it('when two worker processes run a campaign of 30 messages on a 5/s channel, then it is paced, not failed: each message goes once and no second holds more than 5 (+1 burst, +2 for arrival jitter) and the sends span the time the rate needs', async () => {
    const fake = await newFake();
    const org = await seedOrg(api.db, greetingJourney);
    const channelId = await whatsAppChannel(api, org.orgId, fake, { ratePerSecond: 5 });
    workers.push(await spawnWorker(api), await spawnWorker(api));
    const people = contacts('79111236', 15);

    const res = await apiClient(api.url, org.apiKey).post('/v1/campaigns', {
      name: 'Paced',
      journeyId: org.journeyId,
      channelId,
      contacts: people,
    });
    expect(res.status).toBe(201);
    await allSent(api, channelId, 30);
    const campaign = await eventually(async () => {
      const r = await apiClient(api.url, org.apiKey).get(`/v1/campaigns/${res.body.id}`);
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(campaign.status).toBe('completed');
    await recordHistory(`campaign:${res.body.id}`, 'campaign-paced');

    expect(takenBy(fake, people)).toEqual(expectedTexts(people));
    expect(sends(fake)).toHaveLength(30);
    expectPaced(
      sends(fake).map((r) => r.at),
      5,
      1,
    );

    // Both processes did the campaign's work: each completed workflow tasks of its conversations.
    const conversations = await api.db.selectFrom('conversations').select('id').where('campaign_id', '=', res.body.id).execute();
    const identities = new Set<string>();
    for (const c of conversations) {
      const history = await api.client.workflow.getHandle(conversationWorkflowId(c.id)).fetchHistory();
      for (const e of history.events ?? [])
        if (e.workflowTaskCompletedEventAttributes?.identity) identities.add(e.workflowTaskCompletedEventAttributes.identity);
    }
    const pids = [...identities].map((id) => Number(id.split('@')[0]));
    expect(workers.every((w) => pids.includes(w.child.pid!))).toBe(true);
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  }, 120_000);

  it('when the provider fails 30% of sends (429 with Retry-After, 500), then every message is still sent exactly once and the rate holds', async () => {
    storm = await startTestStack({ TEMPORAL_TASK_QUEUE: api.config.TEMPORAL_TASK_QUEUE }, { api: false });
    // Of every ten sends, the 3rd and 9th get a 429, the 6th a 500.
    const fake = await newFake({ transientFault: (n) => ([3, 9].includes(n % 10) ? 429 : n % 10 === 6 ? 500 : undefined) });
    const org = await seedOrg(storm.db, greetingJourney);
    const channelId = await whatsAppChannel(storm, org.orgId, fake, { ratePerSecond: 5 });
    const people = contacts('79111237', 10);

    const res = await apiClient(api.url, org.apiKey).post('/v1/campaigns', {
      name: 'Storm',
      journeyId: org.journeyId,
      channelId,
      contacts: people,
    });
    expect(res.status).toBe(201);
    await allSent(storm, channelId, 20, 90_000);

    expect(takenBy(fake, people)).toEqual(expectedTexts(people));
    // 20 taken need 28 sends: the 3rd, 6th, 9th, 13th, ... 26th were refused.
    expect([fake.accepted.length, sends(fake).length]).toEqual([20, 28]);
    expectPaced(
      sends(fake).map((r) => r.at),
      5,
      1,
    );
    await storm.stop();
    storm = undefined;
  }, 120_000);

  it('when a worker is killed while WhatsApp holds its sends open, then another worker finishes and the provider got each message once', async () => {
    const fake = await newFake();
    const org = await seedOrg(api.db, greetingJourney);
    const channelId = await whatsAppChannel(api, org.orgId, fake, { confirmWaitSeconds: 2, requestTimeoutMs: 20_000 });
    const [taken, lost] = contacts('79111238', 2);
    // Meta takes the first person's message but its answer never comes; the second person's never arrives.
    fake.hang.set(digits(taken.address), 'taken');
    fake.hang.set(digits(lost.address), 'not taken');
    const doomed = await spawnWorker(api);
    workers.push(doomed);

    for (const contact of [taken, lost]) {
      const res = await apiClient(api.url, org.apiKey).post('/v1/conversations', { journeyId: org.journeyId, channelId, contact });
      expect(res.status).toBe(201);
    }
    await eventually(async () => (fake.hung.length === 2 ? true : undefined), 30_000, 'both sends held open');
    expect(await doomed.kill()).toBe('SIGKILL');
    // Meta's status callback names the message it took, with our key echoed back.
    const [first] = fake.accepted;
    expect(first.to).toBe(digits(taken.address));
    expect((await fake.status(`${api.url}/hooks/${channelId}`, first, 'sent')).status).toBe(200);

    rescuer = await startTestStack({ TEMPORAL_TASK_QUEUE: api.config.TEMPORAL_TASK_QUEUE }, { api: false });
    await allSent(api, channelId, 4);
    expect(takenBy(fake, [taken, lost])).toEqual(expectedTexts([taken, lost]));
    // The message taken was not asked for again; the one lost was, once its confirmation wait had passed.
    const hellos = (to: string) => sends(fake).filter((r) => r.body?.to === to && r.body.text?.body.startsWith('Hi ')).length;
    expect([hellos(digits(taken.address)), hellos(digits(lost.address))]).toEqual([1, 2]);
  }, 120_000);
});
