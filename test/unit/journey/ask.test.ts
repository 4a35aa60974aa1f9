import { advance, initialState } from '../../../workflows/journey';
import { ctxAt, HOUR, journeyOf, play, reply, timeout } from './helpers';

const ctx = ctxAt('2026-03-10T12:00:00Z', { firstName: 'Ann' });

const menu = journeyOf([
  {
    id: 'menu',
    kind: 'ask',
    text: 'Reply 1 to pay, 2 to talk to us',
    saveAs: 'choice',
    timeout: '24h',
    reminders: [
      { after: '4h', text: 'Still there, <<firstName>>?' },
      { after: '8h', text: 'Last call' },
    ],
    maxInvalid: 3,
    invalidText: 'Sorry, reply 1 or 2',
    branches: [
      { match: { menu: 1 }, next: 'pay' },
      { match: { keywords: ['pay', 'payment'] }, next: 'pay' },
      { match: { menu: 2 }, next: 'agent' },
      { match: { date: true }, next: 'dated' },
    ],
    onTimeout: 'silent',
    onTooManyInvalid: 'agent',
  },
  { id: 'pay', kind: 'message', text: 'Paying (<<choice>>)', next: 'done' },
  { id: 'agent', kind: 'message', text: 'Agent', next: 'done' },
  { id: 'dated', kind: 'message', text: 'On <<choice>>', next: 'done' },
  { id: 'silent', kind: 'end', outcome: 'No response' },
  { id: 'done', kind: 'end' },
]);

describe('ask: answers', () => {
  it('when the journey reaches an ask, then it sends the prompt and waits until the first reminder', () => {
    const r = advance(menu, initialState(menu), { kind: 'start' }, ctx);
    expect(r.actions).toEqual([{ kind: 'send', stepId: 'menu', text: 'Reply 1 to pay, 2 to talk to us' }]);
    expect(r.wait).toEqual({ kind: 'reply', stepId: 'menu', timeoutMs: 4 * HOUR });
  });

  const routes: [string, string, string][] = [
    ['"1."', '1.', 'Paying (1)'],
    ['"one"', 'one', 'Paying (1)'],
    ['a keyword in a sentence', 'I want to make a PAYMENT', 'Paying (I want to make a PAYMENT)'],
    ['"2)"', '2)', 'Agent'],
    ['a date', '12th Dec', 'On 2026-12-12'],
  ];
  it.each(routes)('when the answer is %s, then the matching branch runs and the value is saved', (_when, text, sent) => {
    expect(play(menu, ctx, [reply(text)]).sends.slice(1)).toEqual([sent]);
  });

  it('when answers match nothing, then it re-prompts with counted ids and gives up after maxInvalid', () => {
    const p = play(menu, ctx, [reply('what?'), reply('huh'), reply('no idea')]);
    expect(p.sendIds).toEqual(['menu', 'menu#i1', 'menu#i2', 'agent']);
    expect(p.sends).toEqual(['Reply 1 to pay, 2 to talk to us', 'Sorry, reply 1 or 2', 'Sorry, reply 1 or 2', 'Agent']);
    expect(p.results[1].state.invalid).toBe(1);
    expect(p.last.state.vars.choice).toBeUndefined();
  });

  it('when there is no invalidText, then the prompt itself is repeated', () => {
    const j = journeyOf([{ id: 'q', kind: 'ask', text: 'Yes or no?', branches: [{ match: { yesno: 'yes' }, next: 'q' }] }]);
    expect(play(j, ctx, [reply('blue')]).sends).toEqual(['Yes or no?', 'Yes or no?']);
  });

  it('when there is a fallback, then any unmatched answer goes there and is saved as written', () => {
    const j = journeyOf([
      {
        id: 'q',
        kind: 'ask',
        text: 'Email?',
        saveAs: 'email',
        fallback: 'thanks',
        branches: [{ match: { keywords: ['skip'] }, next: 'thanks' }],
      },
      { id: 'thanks', kind: 'message', text: 'Got <<email>>' },
    ]);
    expect(play(j, ctx, [reply('  ann@example.com ')]).sends[1]).toBe('Got ann@example.com');
  });

  it('when maxInvalid is not set and there is no onTooManyInvalid, then the third unmatched answer ends the journey', () => {
    const j = journeyOf([{ id: 'q', kind: 'ask', text: 'Q?', branches: [{ match: { menu: 1 }, next: 'q' }] }]);
    const p = play(j, ctx, [reply('a'), reply('b'), reply('c')]);
    expect(p.sendIds).toEqual(['q', 'q#i1', 'q#i2']);
    expect(p.last.wait).toEqual({ kind: 'end' });
  });
});

describe('ask: timeouts and reminders', () => {
  it('when no one answers, then each reminder goes out at its time and the timeout path runs at the end', () => {
    const p = play(menu, ctx, [timeout, timeout, timeout]);
    expect(p.sendIds).toEqual(['menu', 'menu#r1', 'menu#r2']);
    expect(p.sends.slice(1)).toEqual(['Still there, Ann?', 'Last call']);
    expect(p.results.map((r) => (r.wait.kind === 'reply' ? r.wait.timeoutMs : r.wait.kind))).toEqual([
      4 * HOUR,
      4 * HOUR,
      16 * HOUR,
      'end',
    ]);
    expect(p.outcomes).toEqual(['No response']);
    expect(p.now - ctx.now).toBe(24 * HOUR);
  });

  it('when the customer answers badly after a reminder, then the clock and reminders start again', () => {
    const p = play(menu, ctx, [timeout, reply('??'), timeout]);
    expect(p.sendIds).toEqual(['menu', 'menu#r1', 'menu#i1', 'menu#r1']);
    expect(p.results[2].wait).toEqual({ kind: 'reply', stepId: 'menu', timeoutMs: 4 * HOUR });
  });

  it('when the timeout has no onTimeout, then the journey ends', () => {
    const j = journeyOf([{ id: 'q', kind: 'ask', text: 'Q?', timeout: '10m', fallback: 'q' }]);
    const p = play(j, ctx, [timeout]);
    expect(p.results[0].wait).toEqual({ kind: 'reply', stepId: 'q', timeoutMs: 10 * 60_000 });
    expect(p.last.wait).toEqual({ kind: 'end' });
  });

  it('when an unrelated input arrives, then the remaining wait is reported without sending', () => {
    const first = advance(menu, initialState(menu), { kind: 'start' }, ctx);
    const later = advance(menu, first.state, { kind: 'timer' }, { ...ctx, now: ctx.now + HOUR });
    expect(later.actions).toEqual([]);
    expect(later.wait).toEqual({ kind: 'reply', stepId: 'menu', timeoutMs: 3 * HOUR });
  });
});

describe('ask: hostile and odd replies', () => {
  const odd: [string, string][] = [
    ['10,000 characters long', 'x'.repeat(10_000)],
    ['emoji only', '🙂🔥👀'],
    ['right-to-left text', 'مرحبا كيف حالك'],
    ['empty', ''],
    ['only whitespace', ' \n\t '],
    ['control characters', '\u0000\u200f\u202e'],
    ['an unpaired surrogate', '\ud800'],
  ];
  it.each(odd)('when the reply is %s, then it is an invalid answer and nothing throws', (_when, text) => {
    const p = play(menu, ctx, [reply(text)]);
    expect(p.last.actions).toEqual([{ kind: 'send', stepId: 'menu#i1', text: 'Sorry, reply 1 or 2' }]);
  });

  it('when a very long reply starts with a keyword, then the keyword still matches', () => {
    expect(play(menu, ctx, [reply(`pay ${'x '.repeat(5_000)}`)]).sends[1]).toMatch(/^Paying \(pay x x/);
  });

  it('when a long free-text answer is saved, then it is cut to 500 characters', () => {
    const j = journeyOf([
      { id: 'q', kind: 'ask', text: 'Tell us', saveAs: 'story', fallback: 'end' },
      { id: 'end', kind: 'end' },
    ]);
    expect(play(j, ctx, [reply('y'.repeat(10_000))]).last.state.vars.story).toHaveLength(500);
  });

  it('when a regex branch sees a huge reply, then it captures from the start of it', () => {
    const j = journeyOf([
      { id: 'q', kind: 'ask', text: 'Ref?', saveAs: 'ref', branches: [{ match: { regex: '\\b(\\d{5})\\b' }, next: 'ok' }] },
      { id: 'ok', kind: 'message', text: 'Ref <<ref>>' },
    ]);
    expect(play(j, ctx, [reply(`my ref is 12345 ${'x'.repeat(10_000)}`)]).sends[1]).toBe('Ref 12345');
  });
});

describe('ask: send ids', () => {
  it('when a loop revisits an ask many times, then every send id is unique', () => {
    const j = journeyOf([
      {
        id: 'q',
        kind: 'ask',
        text: 'Again?',
        reminders: [{ after: '1h', text: 'Hello?' }],
        branches: [{ match: { yesno: 'yes' }, next: 'm' }],
        onTimeout: 'm',
      },
      { id: 'm', kind: 'message', text: 'Looping', next: 'q' },
    ]);
    const script = [reply('yes'), reply('nah'), timeout, reply('yes'), timeout, timeout, reply('yes'), reply('??')];
    const ids = play(j, ctx, script).sendIds;
    expect(ids).toEqual(['q', 'm', 'q@2', 'q@2#i1', 'q@2#r1', 'm@2', 'q@3', 'q@3#r1', 'm@3', 'q@4', 'm@4', 'q@5', 'q@5#i1']);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
