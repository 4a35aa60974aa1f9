import { z } from 'zod';
import { parseDuration } from './duration';
import { parseClock } from './zone';

const MATCHER_KEYS = [
  'keywords',
  'regex',
  'menu',
  'yesno',
  'number',
  'date',
  'intent',
  'email',
  'phone',
  'postcode',
  'ordinal',
  'sentiment',
] as const;
const DURATION_HINT = 'expected a duration such as "10s", "5m", "24h", "3d" or a number of seconds';

const stepId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a step id is 1–64 letters, digits, "_" or "-"');
const target = z.string().min(1, 'expected a step id');
const text = z.string().trim().min(1, 'must not be empty').max(4_096);
const name = z.string().trim().min(1, 'must not be empty').max(100);
// Bounds on lists a client may fill, so a definition stays far below Temporal's payload limit.
const MAX_ITEMS = 100;
const list = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_ITEMS, `at most ${MAX_ITEMS} items`);

const duration = z.union([z.string(), z.number()], { error: DURATION_HINT }).refine((v) => (parseDuration(v) ?? 0) > 0, DURATION_HINT);
const offset = z
  .union([z.string(), z.number()], { error: DURATION_HINT })
  .refine((v) => parseDuration(v, true) !== undefined, 'expected an offset such as "-3d" or "2h"');
const clock = z.string().refine((v) => parseClock(v) !== undefined, 'expected a time such as "10:00"');

export const matcherSchema = z
  .strictObject({
    keywords: list(text).min(1).optional(),
    regex: z.string().min(1).max(2_000).optional(),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'regex flags may only be i, m, s and u')
      .optional(),
    menu: z.number().int().min(0).max(99).optional(),
    yesno: z.enum(['yes', 'no']).optional(),
    number: z.union([z.literal(true), z.strictObject({ min: z.number().optional(), max: z.number().optional() })]).optional(),
    date: z.union([z.literal(true), z.strictObject({ maxDays: z.number().int().min(0).optional() })]).optional(),
    intent: name.optional(),
    minScore: z.number().min(0).max(1).optional(),
    email: z.literal(true).optional(),
    phone: z.literal(true).optional(),
    postcode: z.literal(true).optional(),
    ordinal: z.literal(true).optional(),
    sentiment: z
      .strictObject({ min: z.number().min(-1).max(1).optional(), max: z.number().min(-1).max(1).optional() })
      .refine((r) => r.min !== undefined || r.max !== undefined, 'expected min, max or both')
      .optional(),
  })
  .superRefine((m, ctx) => {
    const set = MATCHER_KEYS.filter((k) => m[k] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `expected exactly one of ${MATCHER_KEYS.join(', ')}` });
    }
    if (m.flags !== undefined && m.regex === undefined) {
      ctx.addIssue({ code: 'custom', path: ['flags'], message: 'flags apply only to regex' });
    }
    if (m.minScore !== undefined && m.intent === undefined) {
      ctx.addIssue({ code: 'custom', path: ['minScore'], message: 'minScore applies only to intent' });
    }
  });

const branch = z.strictObject({ match: matcherSchema, next: target });
const reminder = z.strictObject({ after: duration, text });
const replyWait = {
  timeout: duration.optional(),
  reminders: z.array(reminder).max(10).optional(),
  onTimeout: target.optional(),
  onMissing: target.optional(),
};

const message = z.strictObject({
  id: stepId,
  kind: z.literal('message'),
  text,
  next: target.optional(),
  onMissing: target.optional(),
});
const ask = z.strictObject({
  id: stepId,
  kind: z.literal('ask'),
  text,
  ...replyWait,
  branches: list(branch).optional(),
  fallback: target.optional(),
  saveAs: name.optional(),
  maxInvalid: z.number().int().min(1).max(20).optional(),
  invalidText: text.optional(),
  onTooManyInvalid: target.optional(),
});
const branchStep = z.strictObject({
  id: stepId,
  kind: z.literal('branch'),
  on: name,
  branches: list(branch).min(1),
  fallback: target,
  saveAs: name.optional(),
});
const verify = z.strictObject({
  id: stepId,
  kind: z.literal('verify'),
  text,
  ...replyWait,
  field: name,
  compare: z.enum(['dob', 'postcode', 'exact']),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  retryText: text.optional(),
  next: target.optional(),
  onFail: target.optional(),
  outcome: name.optional(),
});
const enrich = z.strictObject({
  id: stepId,
  kind: z.literal('enrich'),
  fields: list(name).min(1),
  next: target.optional(),
  onError: target.optional(),
});
const setField = z.strictObject({
  id: stepId,
  kind: z.literal('setField'),
  field: name,
  value: z.string().max(4_096),
  next: target.optional(),
  onMissing: target.optional(),
});
const setOutcome = z.strictObject({ id: stepId, kind: z.literal('setOutcome'), outcome: name, next: target.optional() });
const addNote = z.strictObject({ id: stepId, kind: z.literal('addNote'), text, next: target.optional() });
const handoff = z.strictObject({
  id: stepId,
  kind: z.literal('handoff'),
  text: text.optional(),
  note: text.optional(),
  next: target.optional(),
  onMissing: target.optional(),
});
const wait = z
  .strictObject({
    id: stepId,
    kind: z.literal('wait'),
    duration: duration.optional(),
    until: z.strictObject({ field: name, offset: offset.optional(), at: clock.optional() }).optional(),
    next: target.optional(),
    onMissing: target.optional(),
  })
  .refine((w) => (w.duration === undefined) !== (w.until === undefined), 'a wait step needs exactly one of duration and until');
const end = z.strictObject({ id: stepId, kind: z.literal('end'), outcome: name.optional() });

export const STEP_KINDS = [
  'message',
  'ask',
  'branch',
  'verify',
  'enrich',
  'setField',
  'setOutcome',
  'addNote',
  'handoff',
  'wait',
  'end',
] as const;

export const stepSchema = z.discriminatedUnion(
  'kind',
  [message, ask, branchStep, verify, enrich, setField, setOutcome, addNote, handoff, wait, end],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      return kind === undefined
        ? `missing step kind; expected one of ${STEP_KINDS.join(', ')}`
        : `unknown step kind ${JSON.stringify(kind)}; expected one of ${STEP_KINDS.join(', ')}`;
    },
  },
);

const MAX_EXAMPLES = 200;
const MAX_TOTAL_EXAMPLES = 1_000;
const language = z.string().regex(/^(?:[a-z]{2}|auto)$/, 'expected a two-letter language code such as "en", or "auto"');
// {"promiseToPay": {"en": ["I can pay on Friday", ...], "es": [...]}}
const intents = z
  .record(
    name.regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an intent name is letters, digits and "_", starting with a letter'),
    z.record(
      language,
      z.array(z.string().trim().min(1, 'must not be empty').max(500)).max(MAX_EXAMPLES, `at most ${MAX_EXAMPLES} examples`),
    ),
  )
  .refine((i) => Object.keys(i).length <= 50, 'at most 50 intents')
  // Training runs as the version is saved: this bounds its time (a few seconds at most) and the model's size.
  .refine(
    (i) => Object.values(i).flatMap((l) => Object.values(l).flat()).length <= MAX_TOTAL_EXAMPLES,
    `at most ${MAX_TOTAL_EXAMPLES} examples in all`,
  )
  .optional();

/** The journey's shape alone; `journeySchema` adds the checks across steps. */
export const journeyShape = z.strictObject({
  name: name,
  description: z.string().max(2_000).optional(),
  start: target,
  /** The outcome whose likelihood the propensity model estimates, e.g. "Promise to pay". */
  targetOutcome: name.optional(),
  columns: list(name).optional(),
  fallbacks: z
    .record(name, z.string().max(4_096))
    .refine((f) => Object.keys(f).length <= MAX_ITEMS, `at most ${MAX_ITEMS} fallbacks`)
    .optional(),
  steps: z.array(stepSchema).min(1, 'a journey needs at least one step').max(1_000),
  /** The language replies are read in; "auto" picks the best of the intents' languages per reply. */
  language: language.optional(),
  intents,
});

export type Journey = z.infer<typeof journeyShape>;
export type Step = Journey['steps'][number];
export type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;
