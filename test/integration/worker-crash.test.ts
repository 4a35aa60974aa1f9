import { spawn } from 'node:child_process';
import path from 'node:path';
import { greetingJourney } from '../fixtures/journeys';
import { type TestStack, apiClient, eventually, seedOrg, startTestStack } from '../helpers/stack';

describe('a worker killed mid-send', () => {
  let api: TestStack;
  let rescuer: TestStack | undefined;

  beforeAll(async () => {
    api = await startTestStack({}, { worker: false });
  });
  afterAll(async () => {
    await rescuer?.stop();
    await api?.stop();
  });

  it('when the worker dies after the provider accepted a message, then another worker finishes the conversation and nothing is sent twice', async () => {
    const org = await seedOrg(api.db, greetingJourney);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'helpers', 'crash-worker.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: api.config.DATABASE_URL,
        TEMPORAL_ADDRESS: api.config.TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: api.config.TEMPORAL_TASK_QUEUE,
        LOG_LEVEL: 'silent',
        PARLEY_MASTER_KEY: api.config.PARLEY_MASTER_KEY,
        CRASH_ADDRESS: '+447911123490',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const died = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));

    const res = await apiClient(api.url, org.apiKey).post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123490', fields: { firstName: 'Kit' } },
    });
    expect(res.status).toBe(201);
    expect(await died).toBe('SIGKILL');
    const pending = await api.db
      .selectFrom('messages')
      .select(['status', 'provider_message_id'])
      .where('conversation_id', '=', res.body.id)
      .execute();
    expect(pending).toEqual([{ status: 'pending', provider_message_id: null }]);

    rescuer = await startTestStack({ TEMPORAL_TASK_QUEUE: api.config.TEMPORAL_TASK_QUEUE }, { api: false });
    const sent = await eventually(
      async () => {
        const rows = await api.db
          .selectFrom('messages')
          .select(['step', 'status', 'provider_message_id'])
          .where('conversation_id', '=', res.body.id)
          .orderBy('seq')
          .execute();
        return rows.length === 2 && rows.every((r) => r.provider_message_id) ? rows : undefined;
      },
      60_000,
      'the rescuing worker to finish both sends',
    );
    // By channel too: enrichment.test.ts writes to the same number in the same database.
    const outbox = await api.db
      .selectFrom('sandbox_outbox')
      .select(['body', 'provider_message_id'])
      .where('channel_id', '=', org.channelId)
      .where('address', '=', '+447911123490')
      .orderBy('seq')
      .execute();
    expect(outbox.map((o) => o.body)).toEqual(['Hi Kit, this is Parley.', 'Can we help with your account today? Reply YES or NO.']);
    expect(sent.map((m) => [m.step, m.status, m.provider_message_id])).toEqual([
      ['hello', 'delivered', outbox[0].provider_message_id],
      ['question', 'delivered', outbox[1].provider_message_id],
    ]);
  }, 90_000);
});
