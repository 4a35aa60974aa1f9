import { type Server, createServer } from 'node:http';
import { tsToMs } from '@temporalio/common/lib/time';
import { addDays } from '../../workflows/journey/calendar';
import { zonedToEpoch } from '../../workflows/journey/zone';
import { recordHistory } from '../helpers/histories';
import { sandboxPhone } from '../helpers/sandbox';
import { type TestStack, apiClient, eventually, sampleJourney, seedOrg, startTestStack } from '../helpers/stack';
import { withBodies } from '../helpers/sealed';

/** The org's own enrichment endpoint: balances by customer reference, over real HTTP. */
function startEnrichmentServer(): Promise<{ url: string; server: Server; requests: URL[] }> {
  const requests: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    if (url.searchParams.get('customerRef') !== 'ACC123') return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ balance: '1250.5', dueDate: '2026-12-31', unused: 'x' }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/balance`, server, requests }),
    ),
  );
}

describe('the sample journeys, end to end on the sandbox', () => {
  let stack: TestStack;
  let enrichment: Awaited<ReturnType<typeof startEnrichmentServer>>;

  beforeAll(async () => {
    stack = await startTestStack({ OUTBOUND_ALLOW: ['127.0.0.1'] });
    enrichment = await startEnrichmentServer();
  });
  afterAll(async () => {
    enrichment?.server.close();
    await stack?.stop();
  });

  const setup = async (sample: string, settings = {}) => {
    const org = await seedOrg(stack.db, sampleJourney(sample), settings);
    return { org, api: apiClient(stack.url, org.apiKey) };
  };
  const ended = async (api: ReturnType<typeof apiClient>, id: string) =>
    eventually(async () => {
      const r = await api.get(`/v1/conversations/${id}`);
      return r.body.status === 'ended' ? r.body : undefined;
    });

  // Promise dates are relative words read on the workflow's own clock, so the
  // test holds at any hour: the day before "today" at 10:00 is always past,
  // the day before "day after tomorrow" at 10:00 always ahead.
  it('collections: ID&V, live balance, a promise to pay for today, its reminder at once and its outcome', async () => {
    const { org, api } = await setup('collections', { enrichmentUrl: enrichment.url });
    const contact = {
      address: '07911 123480',
      fields: { firstName: 'Aoife', dob: '1985-02-14', postcode: 'SW1A 1AA', accountRef: 'ACC123', customerRef: 'ACC123' },
    };
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact });
    const phone = sandboxPhone(api, org.channelId, contact.address);
    expect(await phone.receive(2)).toEqual([
      "Hi Aoife, this is Acme Finance about your account. First we need to check it's you.",
      'Please reply with your date of birth, for example 14/02/1985.',
    ]);
    await phone.say('14/2/84');
    expect(await phone.receive(1)).toEqual(["That doesn't match our records. Please try your date of birth again."]);
    await phone.say('14 Feb 1985');
    expect(await phone.receive(1)).toEqual(['Thanks. And your postcode?']);
    await phone.say('sw1a1aa');
    const [balance, menu] = await phone.receive(2);
    expect(balance).toBe('Thank you Aoife. Your balance is £1,250.50, due on 31 December 2026.');
    expect(menu).toBe('Reply 1 for a payment link, 2 to tell us when you can pay, or 3 to talk to someone.');
    expect(enrichment.requests.at(-1)?.searchParams.get('fields')).toBe('balance,dueDate');
    await phone.say('2');
    expect(await phone.receive(1)).toEqual(['When can you pay? Reply with a date in the next 30 days, for example 28/02 or next Friday.']);
    await phone.say('today');
    const [amountQuestion] = await phone.receive(1);
    expect(amountQuestion).toMatch(/^How much will you pay on \d{1,2} [A-Z][a-z]+ \d{4}\?$/);
    await phone.say('£50');
    const [thanks] = await phone.receive(1);
    expect(thanks).toMatch(/^Thanks, we've noted £50.00 on \d{1,2} [A-Z][a-z]+ \d{4}\. We'll remind you the day before\.$/);
    expect(await phone.receive(1)).toEqual(['Reminder: your payment of £50.00 is due tomorrow. Pay here: https://pay.example.com/ACC123']);

    const conversation = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${started.body.id}`);
      return r.body.outcome === 'Promise to pay' ? r.body : undefined;
    });
    expect(conversation.notes).toEqual([
      'ID&V failed at checkDob',
      'ID&V passed at checkDob',
      'ID&V passed at checkPostcode',
      expect.stringMatching(/^Promise to pay £50.00 on \d{4}-\d\d-\d\d$/),
    ]);
    const transcript = await api.get(`/v1/conversations/${started.body.id}/transcript`);
    expect(JSON.stringify(transcript.body)).not.toContain('"verified');
    const inbound = transcript.body.messages
      .filter((m: { direction: string }) => m.direction === 'in')
      .map((m: { text: string }) => m.text);
    expect(inbound).toEqual(['[ID&V answer withheld]', '[ID&V answer withheld]', '[ID&V answer withheld]', '2', 'today', '£50']);
    const stored = await withBodies(
      stack.db,
      await stack.db.selectFrom('messages').select('body').where('conversation_id', '=', started.body.id).execute(),
    );
    for (const secret of ['14/2/84', '14 Feb 1985', 'sw1a1aa']) expect(stored.filter((m) => m.body.includes(secret))).toEqual([]);
    await ended(api, started.body.id);
    await recordHistory(started.body.workflowId, 'collections-promise-v2');
  });

  it('collections: a promise for the day after tomorrow waits for 10:00 London the day before, and sends nothing meanwhile', async () => {
    const { org, api } = await setup('collections', { enrichmentUrl: enrichment.url });
    const contact = {
      address: '07911 123486',
      fields: { firstName: 'Gus', dob: '1985-02-14', postcode: 'SW1A 1AA', accountRef: 'ACC123', customerRef: 'ACC123' },
    };
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact });
    const phone = sandboxPhone(api, org.channelId, contact.address);
    await phone.receive(2);
    for (const [answer, replies] of [
      ['14/02/1985', 1],
      ['SW1A 1AA', 2],
      ['2', 1],
      ['day after tomorrow', 1],
      ['50', 1],
    ] as const) {
      await phone.say(answer);
      await phone.receive(replies);
    }
    const waiting = await eventually(async () => {
      const r = await api.get(`/v1/conversations/${started.body.id}`);
      return r.body.live?.phase === 'waiting_time' ? r.body : undefined;
    });
    expect(waiting.live).toMatchObject({ stepId: 'beforePromise', outcome: 'Promise to pay' });
    const promised = /on (\d{4})-(\d\d)-(\d\d)$/.exec(waiting.notes.at(-1))!;
    const dayBefore = addDays({ year: Number(promised[1]), month: Number(promised[2]), day: Number(promised[3]) }, -1);

    // The timer the wait started, on the server's clock: it fires at 10:00 London the day before.
    const { events } = await stack.client.workflow.getHandle(started.body.workflowId).fetchHistory();
    const timer = events!.filter((e) => e.timerStartedEventAttributes).at(-1)!;
    const firesAt = tsToMs(timer.eventTime) + tsToMs(timer.timerStartedEventAttributes!.startToFireTimeout);
    expect(Math.abs(firesAt - zonedToEpoch(dayBefore, 10 * 60, 'Europe/London'))).toBeLessThan(60_000);
    expect(await phone.pending()).toEqual([]);
    expect((await api.post(`/v1/conversations/${started.body.id}/close`, {})).status).toBe(202);
    expect((await ended(api, started.body.id)).outcome).toBe('Promise to pay');
  });

  it('collections: three wrong dates of birth lock the person out', async () => {
    const { org, api } = await setup('collections', { enrichmentUrl: enrichment.url });
    const contact = { address: '07911 123481', fields: { firstName: 'Bo', dob: '1990-01-01', postcode: 'N1 1AA', accountRef: 'X' } };
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact });
    const phone = sandboxPhone(api, org.channelId, contact.address);
    await phone.receive(2);
    for (const wrong of ['01/01/1991', '2/1/90']) {
      await phone.say(wrong);
      await phone.receive(1);
    }
    await phone.say('1 Jan 1989');
    expect(await phone.receive(1)).toEqual(["Sorry, we couldn't confirm your details. Please call us on 0800 000 0000."]);
    expect((await ended(api, started.body.id)).outcome).toBe('Failed ID&V');
  });

  it('appointment: cancel, asked to confirm, then cancelled', async () => {
    const { org, api } = await setup('appointment');
    const contact = { address: '07911 123482', fields: { firstName: 'Cal', appointmentAt: '2027-03-04T10:30:00Z', clinic: 'Hill Street' } };
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact });
    const phone = sandboxPhone(api, org.channelId, contact.address);
    expect(await phone.receive(2)).toEqual([
      'Hi Cal, you have an appointment at Hill Street on 4 March 2027.',
      'Reply 1 to confirm, 2 to cancel or 3 to rebook.',
    ]);
    await phone.say('2');
    expect(await phone.receive(1)).toEqual(['Are you sure you want to cancel? Reply YES or NO.']);
    await phone.say('Yes');
    expect(await phone.receive(1)).toEqual(['Your appointment is cancelled. Thanks for letting us know.']);
    expect((await ended(api, started.body.id)).outcome).toBe('Cancelled');
    await recordHistory(started.body.workflowId, 'appointment-cancel-v2');
  });

  it('appointment: reschedule to a date', async () => {
    const { org, api } = await setup('appointment');
    const contact = { address: '07911 123483', fields: { firstName: 'Di', appointmentAt: '2027-03-04T10:30:00Z' } };
    const started = await api.post('/v1/conversations', { journeyId: org.journeyId, channelId: org.channelId, contact });
    const phone = sandboxPhone(api, org.channelId, contact.address);
    await phone.receive(2);
    await phone.say('can I reschedule please');
    expect(await phone.receive(1)).toEqual(['What date would suit you? For example 12/03, next Tuesday or 3rd March.']);
    await phone.say('next tuesday');
    const [message] = await phone.receive(1);
    expect(message).toMatch(/^Thanks, we'll be in touch to confirm a time on \d{1,2} [A-Z][a-z]+ \d{4}\.$/);
    const done = await ended(api, started.body.id);
    expect(done.outcome).toBe('Reschedule requested');
    expect(done.notes).toEqual([expect.stringMatching(/^Asked to move the appointment to \d{4}-\d\d-\d\d$/)]);
  });

  it('when a journey is updated while conversations of the old version run, then they keep the old version and new ones get the new', async () => {
    const { org, api } = await setup('appointment');
    const old = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123484', fields: { firstName: 'Ed', appointmentAt: '2027-03-04T10:30:00Z' } },
    });
    const oldPhone = sandboxPhone(api, org.channelId, '07911 123484');
    await oldPhone.receive(2);

    const definition = sampleJourney('appointment') as { steps: { id: string; text?: string }[] };
    definition.steps.find((s) => s.id === 'sure')!.text = 'Really cancel? YES or NO.';
    const put = await api.put(`/v1/journeys/${org.journeyId}`, { name: 'Appointment v2', definition });
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);

    await oldPhone.say('2');
    expect(await oldPhone.receive(1)).toEqual(['Are you sure you want to cancel? Reply YES or NO.']);
    const fresh = await api.post('/v1/conversations', {
      journeyId: org.journeyId,
      channelId: org.channelId,
      contact: { address: '07911 123485', fields: { firstName: 'Flo', appointmentAt: '2027-03-04T10:30:00Z' } },
    });
    expect(fresh.body.journeyVersion).toBe(2);
    expect(old.body.journeyVersion).toBe(1);
    const freshPhone = sandboxPhone(api, org.channelId, '07911 123485');
    await freshPhone.receive(2);
    await freshPhone.say('2');
    expect(await freshPhone.receive(1)).toEqual(['Really cancel? YES or NO.']);
  });

  it('when a journey is invalid, then saving it names the step and the problem, and nothing is saved', async () => {
    const { api } = await setup('demo');
    const before = (await api.get('/v1/journeys')).body.journeys.length;
    const bad = {
      name: 'Bad',
      start: 'a',
      steps: [
        { id: 'a', kind: 'message', text: 'hi', next: 'ghost' },
        { id: 'b', kind: 'shout', text: 'x' },
      ],
    };
    const res = await api.post('/v1/journeys', { name: 'Bad', definition: bad });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/definition\.steps\[1\]\.kind: unknown step kind "shout"/);
    const dangling = await api.post('/v1/journeys', { name: 'Bad', definition: { ...bad, steps: [bad.steps[0]] } });
    expect(dangling.status).toBe(400);
    expect(dangling.body.errors).toEqual([
      expect.objectContaining({ field: 'definition.steps[0].next', message: expect.stringMatching(/ghost/) }),
    ]);
    expect((await api.get('/v1/journeys')).body.journeys.length).toBe(before);
  });
});
