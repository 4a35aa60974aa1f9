import { journeySchema, validateJourney } from '../../../workflows/journey';

const msg = (id: string, next?: string, text = 'Hi') => ({ id, kind: 'message', text, ...(next ? { next } : {}) });
const ask = (id: string, branches: { match: unknown; next: string }[], more: Record<string, unknown> = {}) => ({
  id,
  kind: 'ask',
  text: 'Question?',
  branches,
  ...more,
});
const yes = (next: string) => ({ match: { yesno: 'yes' }, next });
const journey = (steps: unknown[], more: Record<string, unknown> = {}) => ({ name: 'J', start: 'a', steps, ...more });

function errorsOf(input: unknown, opts?: { outcomes?: string[] }) {
  const result = validateJourney(input, opts);
  if (result.ok) throw new Error('expected the journey to be rejected');
  return result.errors;
}

describe('validateJourney', () => {
  it('when a journey is well formed, then it is accepted with its steps', () => {
    const result = validateJourney(journey([msg('a', 'b'), ask('b', [yes('c')]), { id: 'c', kind: 'end' }]));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.journey.steps.map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });

  const cases: [string, unknown, string, string, { outcomes?: string[] }?][] = [
    ['a step kind is unknown', journey([msg('a', 'b'), { id: 'b', kind: 'foo' }]), 'steps[1].kind', 'unknown step kind "foo"'],
    ['a step has no kind', journey([{ id: 'a', text: 'x' }]), 'steps[0].kind', 'missing step kind'],
    ['next names no step', journey([msg('a', 'nope')]), 'steps[0].next', 'unknown step "nope"'],
    ['a branch names no step', journey([ask('a', [yes('ghost')])]), 'steps[0].branches[0].next', 'unknown step "ghost"'],
    [
      'onTimeout names no step',
      journey([ask('a', [yes('b')], { onTimeout: 'later' }), { id: 'b', kind: 'end' }]),
      'steps[0].onTimeout',
      'unknown step "later"',
    ],
    ['start names no step', { name: 'J', start: 'zz', steps: [msg('a')] }, 'start', 'unknown step "zz"'],
    ['a step cannot be reached', journey([msg('a'), msg('lost')]), 'steps[1]', 'step "lost" is unreachable from start "a"'],
    [
      'two steps share an id',
      journey([msg('a', 'b'), msg('b'), msg('b')]),
      'steps[2].id',
      'duplicate step id "b" (first used at steps[1])',
    ],
    ['messages loop without waiting', journey([msg('a', 'b'), msg('b', 'a')]), 'steps[0]', 'steps "a", "b" form a loop that never waits'],
    [
      'a step loops to itself',
      journey([{ id: 'a', kind: 'setField', field: 'x', value: '1', next: 'a' }]),
      'steps[0]',
      'steps "a" form a loop',
    ],
    [
      'a branch fallback closes a loop without waiting',
      journey([
        { id: 'a', kind: 'branch', on: 'x', branches: [{ match: { menu: 1 }, next: 'b' }], fallback: 'c' },
        msg('b'),
        { id: 'c', kind: 'addNote', text: 'n', next: 'a' },
      ]),
      'steps[0]',
      'form a loop that never waits',
    ],
    [
      'a placeholder names no column',
      journey([msg('a', undefined, 'Hi <<frstName>>')], { columns: ['firstName'] }),
      'steps[0].text',
      'placeholder <<frstName>> names no declared column, variable or fallback',
    ],
    [
      'a reminder placeholder names no column',
      journey([ask('a', [yes('a')], { reminders: [{ after: '1h', text: '<<nope>>?' }] })], { columns: [] }),
      'steps[0].reminders[0].text',
      '<<nope>>',
    ],
    [
      'a branch routes on an undeclared field',
      journey([{ id: 'a', kind: 'branch', on: 'tier', branches: [{ match: { menu: 1 }, next: 'b' }], fallback: 'b' }, msg('b')], {
        columns: ['x'],
      }),
      'steps[0].on',
      'field "tier"',
    ],
    ['a formatter is unknown', journey([msg('a', undefined, 'Due <<due|shout>>')]), 'steps[0].text', 'unknown formatter "shout"'],
    ['a placeholder is not closed', journey([msg('a', undefined, 'Hi <<name')]), 'steps[0].text', 'not closed'],
    [
      'an outcome is not in the org list',
      journey([msg('a', 'b'), { id: 'b', kind: 'end', outcome: 'Paid' }]),
      'steps[1].outcome',
      'unknown outcome "Paid"',
      { outcomes: ['Promise to pay'] },
    ],
    [
      'a setOutcome is not in the org list',
      journey([{ id: 'a', kind: 'setOutcome', outcome: 'Nope' }]),
      'steps[0].outcome',
      'unknown outcome "Nope"',
      { outcomes: [] },
    ],
    [
      'a verify lock-out outcome is not in the org list',
      journey([{ id: 'a', kind: 'verify', text: 'DOB?', field: 'dob', compare: 'dob', outcome: 'Locked' }]),
      'steps[0].outcome',
      'unknown outcome "Locked"',
      { outcomes: ['Failed ID&V'] },
    ],
    ['a timeout is not a duration', journey([ask('a', [yes('a')], { timeout: 'soon' })]), 'steps[0].timeout', 'expected a duration'],
    ['a timeout is of the wrong type', journey([ask('a', [yes('a')], { timeout: true })]), 'steps[0].timeout', 'expected a duration'],
    [
      'a reminder comes after the timeout',
      journey([ask('a', [yes('a')], { timeout: '1h', reminders: [{ after: '2h', text: 'x' }] })]),
      'steps[0].reminders[0].after',
      'before the timeout',
    ],
    [
      'reminders are out of order',
      journey([
        ask('a', [yes('a')], {
          reminders: [
            { after: '4h', text: 'x' },
            { after: '2h', text: 'y' },
          ],
        }),
      ]),
      'steps[0].reminders[1].after',
      'after the previous one',
    ],
    [
      'a matcher sets two kinds',
      journey([ask('a', [{ match: { menu: 1, yesno: 'yes' }, next: 'a' }])]),
      'steps[0].branches[0].match',
      'exactly one of',
    ],
    ['a matcher sets none', journey([ask('a', [{ match: {}, next: 'a' }])]), 'steps[0].branches[0].match', 'exactly one of'],
    [
      'a regex does not compile',
      journey([ask('a', [{ match: { regex: '(' }, next: 'a' }])]),
      'steps[0].branches[0].match.regex',
      'invalid regular expression',
    ],
    [
      'a regex looks ahead',
      journey([ask('a', [{ match: { regex: '^(?=.*\\d)\\w+$' }, next: 'a' }])]),
      'steps[0].branches[0].match.regex',
      'step "a": /^(?=.*\\d)\\w+$/ uses a lookahead',
    ],
    [
      'a regex looks behind',
      journey([ask('a', [yes('a'), { match: { regex: '(?<!not )paid' }, next: 'a' }])]),
      'steps[0].branches[1].match.regex',
      'step "a": /(?<!not )paid/ uses a lookbehind',
    ],
    [
      'a regex has a backreference',
      journey([msg('a', 'b'), ask('b', [{ match: { regex: '(\\w)\\1' }, next: 'b' }])]),
      'steps[1].branches[0].match.regex',
      'step "b": /(\\w)\\1/ uses a backreference',
    ],
    [
      'a regex has a named backreference',
      journey([
        { id: 'a', kind: 'branch', on: 'x', branches: [{ match: { regex: '(?<c>x)\\k<c>' }, next: 'b' }], fallback: 'b' },
        msg('b'),
      ]),
      'steps[0].branches[0].match.regex',
      'step "a": /(?<c>x)\\k<c>/ uses a backreference',
    ],
    [
      "a regex repeats beyond RE2's limit",
      journey([ask('a', [{ match: { regex: 'a{1001}' }, next: 'a' }])]),
      'steps[0].branches[0].match.regex',
      'invalid repeat count',
    ],
    [
      'regex flags are stateful',
      journey([ask('a', [{ match: { regex: 'x', flags: 'g' }, next: 'a' }])]),
      'steps[0].branches[0].match.flags',
      'i, m, s and u',
    ],
    ['an ask has nowhere to go', journey([ask('a', [])]), 'steps[0].branches', 'at least one branch or a fallback'],
    [
      'a wait has both duration and until',
      journey([{ id: 'a', kind: 'wait', duration: '1d', until: { field: 'd' } }]),
      'steps[0]',
      'exactly one of duration and until',
    ],
    [
      'a wait has an unreadable time',
      journey([{ id: 'a', kind: 'wait', until: { field: 'd', at: '25:99' } }]),
      'steps[0].until.at',
      'expected a time',
    ],
    ['a key is misspelt', journey([{ id: 'a', kind: 'message', text: 'x', nxt: 'b' }]), 'steps[0]', 'Unrecognized key: "nxt"'],
    ['a step id has a "#"', journey([msg('a#1')], { start: 'a#1' }), 'steps[0].id', 'letters, digits'],
    ['a required field is absent', journey([{ id: 'a', kind: 'message' }]), 'steps[0].text', 'required'],
    [
      'an answer would be saved as an ID&V result',
      journey([ask('a', [yes('a')], { saveAs: 'verified_dob' })]),
      'steps[0].saveAs',
      'kept for ID&V results',
    ],
    [
      'enrichment would write an ID&V result',
      journey([{ id: 'a', kind: 'enrich', fields: ['balance', 'Verified_x'] }]),
      'steps[0].fields[1]',
      'kept for ID&V results',
    ],
    ['there are no steps', { name: 'J', start: 'a', steps: [] }, 'steps', 'at least one step'],
    ['the input is not an object', 'hello', 'journey', 'expected object'],
  ];

  // A rest parameter keeps jest from taking the optional fifth column for a `done` callback.
  it.each(cases)('when %s, then the error names the path', (...[, input, path, message, opts]) => {
    expect(errorsOf(input, opts)).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it.each(['^(ab)+\\d{2}(x|y)*$', '^(a+)+$', '^(a|a)*$', '(?<ref>\\d{5})', '[^\\s]\\u00e9[\\b]'])(
    'when a regex is %p, then it is allowed: matching is linear',
    (regex) => {
      expect(validateJourney(journey([ask('a', [{ match: { regex }, next: 'a' }])])).ok).toBe(true);
    },
  );

  it('when a loop passes through an ask, then it is allowed', () => {
    expect(validateJourney(journey([msg('a', 'b'), ask('b', [yes('a')])])).ok).toBe(true);
  });

  it('when columns are not declared, then placeholders are not checked against them', () => {
    expect(validateJourney(journey([msg('a', undefined, 'Hi <<anything|upper>>')])).ok).toBe(true);
  });

  it('when placeholders use fallbacks, saved answers, set fields, enrichment and ID&V results, then they are known', () => {
    const steps = [
      { id: 'a', kind: 'enrich', fields: ['balance'], next: 'v' },
      { id: 'v', kind: 'verify', text: 'DOB?', field: 'dob', compare: 'dob', next: 'b' },
      ask('b', [yes('c')], { saveAs: 'answer' }),
      { id: 'c', kind: 'setField', field: 'Tier', value: 'gold', next: 'd' },
      msg('d', undefined, '<<NAME>> <<balance|currency>> <<answer>> <<tier>> <<verified_v>>'),
    ];
    expect(validateJourney(journey(steps, { columns: ['dob'], fallbacks: { name: 'there' } })).ok).toBe(true);
  });

  it('when outcomes are allowed by the org, then the journey is accepted', () => {
    const j = journey([
      { id: 'a', kind: 'setOutcome', outcome: 'Paid', next: 'b' },
      { id: 'b', kind: 'end', outcome: 'Done' },
    ]);
    expect(validateJourney(j, { outcomes: ['Paid', 'Done'] }).ok).toBe(true);
  });

  it('when several things are wrong, then every one is reported', () => {
    const errors = errorsOf(journey([msg('a', 'x'), msg('a'), msg('c', 'y')]));
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(['steps[0].next', 'steps[1].id', 'steps[2].next', 'steps[2]']));
  });

  it('when the exported schema parses a journey with a dangling target, then it fails on the same path', () => {
    const result = journeySchema.safeParse(journey([msg('a', 'nope')]));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['steps', 0, 'next'], message: 'unknown step "nope"' });
  });
});
