import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Journey, validateJourney } from '../../../workflows/journey';
import { ctxAt, play, reply } from './helpers';

const OUTCOMES = [
  'Completed',
  'No response',
  'Failed ID&V',
  'Payment link sent',
  'Promise to pay',
  'Handled by agent',
  'Confirmed',
  'Cancelled',
  'Reschedule requested',
  'Resolved by bot',
  'Handed to agent',
];

function sample(name: string): Journey {
  const raw = JSON.parse(readFileSync(join(__dirname, '../../../samples/journeys', `${name}.json`), 'utf8'));
  const result = validateJourney(raw, { outcomes: OUTCOMES });
  if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
  return result.journey;
}

describe('sample journeys', () => {
  it.each(['demo', 'collections', 'appointment', 'inbound-faq'])('when %s.json is validated, then it passes', (name) => {
    expect(sample(name).steps.length).toBeGreaterThan(0);
  });

  it('when the demo contact says yes, then it greets by name and completes', () => {
    const p = play(sample('demo'), ctxAt('2026-03-10T12:00:00Z', { firstName: 'Ann' }), [reply('Yes!')]);
    expect(p.sends).toEqual([
      'Hi Ann! This is the Parley demo.',
      'Is this your first time trying Parley? Reply YES or NO.',
      'Welcome aboard, Ann!',
    ]);
    expect(p.outcomes).toEqual(['Completed']);
  });

  it('when a collections contact passes ID&V and promises to pay, then the promise is recorded and reminded', () => {
    const contact = { firstName: 'Ann', dob: '14/02/1985', postcode: 'SW1A 1AA', accountRef: 'AC123' };
    const p = play(sample('collections'), ctxAt('2026-03-10T12:00:00Z', contact), [
      reply('14 Feb 1985'),
      reply('sw1a1aa'),
      { kind: 'enriched', values: { balance: '1250.5', dueDate: '2026-03-31' } },
      reply('2'),
      reply('next friday'),
      reply('£100'),
      { kind: 'timer' },
    ]);
    expect(p.sends).toEqual([
      "Hi Ann, this is Acme Finance about your account. First we need to check it's you.",
      'Please reply with your date of birth, for example 14/02/1985.',
      'Thanks. And your postcode?',
      'Thank you Ann. Your balance is £1,250.50, due on 31 March 2026.',
      'Reply 1 for a payment link, 2 to tell us when you can pay, or 3 to talk to someone.',
      'When can you pay? Reply with a date in the next 30 days, for example 28/02 or next Friday.',
      'How much will you pay on 13 March 2026?',
      "Thanks, we've noted £100.00 on 13 March 2026. We'll remind you the day before.",
      'Reminder: your payment of £100.00 is due tomorrow. Pay here: https://pay.example.com/AC123',
    ]);
    expect(p.results[2].wait).toEqual({ kind: 'enrich', stepId: 'lookup', fields: ['balance', 'dueDate'] });
    expect(p.results[6].wait).toEqual({ kind: 'until', stepId: 'beforePromise', at: Date.parse('2026-03-12T10:00:00Z') });
    expect(p.outcomes).toEqual(['Promise to pay']);
    expect(p.notes).toEqual(['Promise to pay £100.00 on 2026-03-13']);
    expect(p.last.state.vars).toMatchObject({
      verified_checkDob: 'true',
      verified_checkPostcode: 'true',
      promiseDate: '2026-03-13',
      promiseAmount: '100',
    });
  });

  it('when a collections contact asks to talk to someone, then the journey hands off', () => {
    const contact = { firstName: 'Ann', dob: '1985-02-14', postcode: 'SW1A 1AA', accountRef: 'AC123' };
    const p = play(sample('collections'), ctxAt('2026-03-10T12:00:00Z', contact), [
      reply('14/02/1985'),
      reply('SW1A 1AA'),
      { kind: 'enriched', values: { balance: '10', dueDate: '2026-03-31' } },
      reply('can I talk to someone'),
      { kind: 'handback' },
    ]);
    expect(p.results[4].wait).toEqual({ kind: 'handoff', stepId: 'agent' });
    expect(p.outcomes).toEqual(['Handled by agent']);
  });

  it('when an appointment is confirmed, then a reminder goes out at 09:00 the day before', () => {
    const contact = { firstName: 'Bo', appointmentAt: '2026-03-20T14:30:00Z', clinic: 'Leeds' };
    const p = play(sample('appointment'), ctxAt('2026-03-10T12:00:00Z', contact), [reply('1'), { kind: 'timer' }]);
    expect(p.sends[0]).toBe('Hi Bo, you have an appointment at Leeds on 20 March 2026.');
    expect(p.results[1].wait).toEqual({ kind: 'until', stepId: 'dayBefore', at: Date.parse('2026-03-19T09:00:00Z') });
    expect(p.sends.at(-1)).toBe('Reminder: your appointment at Leeds is tomorrow.');
    expect(p.outcomes).toEqual(['Confirmed']);
  });

  it('when an appointment is rescheduled, then the new date is recorded', () => {
    const contact = { firstName: 'Bo', appointmentAt: '2026-03-20T14:30:00Z' };
    const p = play(sample('appointment'), ctxAt('2026-03-10T12:00:00Z', contact), [reply('3'), reply('next Tuesday')]);
    expect(p.outcomes).toEqual(['Reschedule requested']);
    expect(p.notes).toEqual(['Asked to move the appointment to 2026-03-17']);
    expect(p.sends.at(-1)).toBe("Thanks, we'll be in touch to confirm a time on 17 March 2026.");
  });

  it('when an inbound customer asks about opening hours, then the FAQ answers and closes', () => {
    const p = play(sample('inbound-faq'), ctxAt('2026-03-10T12:00:00Z'), [reply('What are your opening hours?'), reply('no thanks')]);
    expect(p.sends.slice(1)).toEqual([
      "We're open 9am to 6pm, Monday to Saturday.",
      'Anything else I can help with?',
      'Thanks for getting in touch. Have a good day!',
    ]);
    expect(p.outcomes).toEqual(['Resolved by bot']);
  });

  it('when an inbound customer asks for a person, then the FAQ hands off with a note', () => {
    const p = play(sample('inbound-faq'), ctxAt('2026-03-10T12:00:00Z'), [reply('I want to speak to a human')]);
    expect(p.outcomes).toEqual(['Handed to agent']);
    expect(p.notes).toEqual(['Customer asked: I want to speak to a human']);
    expect(p.last.wait).toEqual({ kind: 'handoff', stepId: 'agent' });
  });
});
