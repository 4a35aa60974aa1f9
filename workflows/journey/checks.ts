import { DEFAULT_TIMEOUT } from './defaults';
import { parseDuration } from './duration';
import { edgesOf, indexById, loopsWithoutPause, reachable } from './graph';
import { compileRegex } from './match/regex';
import { hasUnclosed, isFormatter, placeholders } from './placeholders';
import type { Journey, Step } from './schema';

export type Path = (string | number)[];
export interface Problem {
  path: Path;
  message: string;
}

/** The templated texts of a step, each with its path. */
export function templatesOf(step: Step, i: number): [Path, string][] {
  const out: [Path, string][] = [];
  const s = step as Partial<Record<'text' | 'invalidText' | 'retryText' | 'note' | 'value', string>>;
  for (const key of ['text', 'invalidText', 'retryText', 'note', 'value'] as const) {
    if (s[key] !== undefined) out.push([['steps', i, key], s[key]]);
  }
  if ('reminders' in step) step.reminders?.forEach((r, k) => out.push([['steps', i, 'reminders', k, 'text'], r.text]));
  return out;
}

/** Every name a placeholder or a field reference may use, lower-cased. */
function knownNames(journey: Journey): Set<string> {
  const names = [...(journey.columns ?? []), ...Object.keys(journey.fallbacks ?? {})];
  for (const s of journey.steps) {
    if ((s.kind === 'ask' || s.kind === 'branch') && s.saveAs) names.push(s.saveAs);
    if (s.kind === 'setField') names.push(s.field);
    if (s.kind === 'enrich') names.push(...s.fields);
    if (s.kind === 'verify') names.push(`verified_${s.id}`);
  }
  return new Set(names.map((n) => n.toLowerCase()));
}

export function graphProblems(journey: Journey): Problem[] {
  const problems: Problem[] = [];
  const index = indexById(journey);
  journey.steps.forEach((s, i) => {
    const first = index.get(s.id)!;
    if (first !== i) problems.push({ path: ['steps', i, 'id'], message: `duplicate step id "${s.id}" (first used at steps[${first}])` });
    for (const e of edgesOf(s, i)) {
      if (!index.has(e.to)) problems.push({ path: e.path, message: `unknown step "${e.to}"` });
    }
  });
  if (!index.has(journey.start)) {
    problems.push({ path: ['start'], message: `unknown step "${journey.start}"` });
  } else {
    const seen = reachable(journey, index);
    journey.steps.forEach((s, i) => {
      if (!seen.has(i) && index.get(s.id) === i)
        problems.push({ path: ['steps', i], message: `step "${s.id}" is unreachable from start "${journey.start}"` });
    });
  }
  for (const loop of loopsWithoutPause(journey, index)) {
    const ids = loop.map((i) => `"${journey.steps[i].id}"`).join(', ');
    problems.push({
      path: ['steps', loop[0]],
      message: `steps ${ids} form a loop that never waits; add an ask, verify, wait or handoff step to it`,
    });
  }
  return problems;
}

const RESERVED = /^verified_/i;

export function stepProblems(journey: Journey): Problem[] {
  const problems: Problem[] = [];
  journey.steps.forEach((s, i) => {
    // A customer's answer saved under such a name would pass for an ID&V result.
    const written: [Path, string][] = [
      ...('saveAs' in s && s.saveAs ? [[['steps', i, 'saveAs'], s.saveAs] as [Path, string]] : []),
      ...(s.kind === 'setField' ? [[['steps', i, 'field'], s.field] as [Path, string]] : []),
      ...(s.kind === 'enrich' ? s.fields.map((f, k): [Path, string] => [['steps', i, 'fields', k], f]) : []),
    ];
    for (const [path, name] of written) {
      if (RESERVED.test(name)) problems.push({ path, message: `"${name}": names starting with "verified_" are kept for ID&V results` });
    }
    if (s.kind === 'ask' && !s.branches?.length && !s.fallback) {
      problems.push({ path: ['steps', i, 'branches'], message: 'an ask step needs at least one branch or a fallback' });
    }
    if ((s.kind === 'ask' || s.kind === 'verify') && s.reminders) {
      const timeout = parseDuration(s.timeout ?? DEFAULT_TIMEOUT)!;
      let previous = 0;
      s.reminders.forEach((r, k) => {
        const after = parseDuration(r.after)!;
        if (after <= previous || after >= timeout) {
          problems.push({
            path: ['steps', i, 'reminders', k, 'after'],
            message: `a reminder must come after the previous one and before the timeout (${s.timeout ?? DEFAULT_TIMEOUT})`,
          });
        }
        previous = after;
      });
    }
  });
  return problems;
}

/** Regexes that are not JavaScript syntax, or that RE2 cannot run in linear time. */
export function regexProblems(journey: Journey): Problem[] {
  const problems: Problem[] = [];
  journey.steps.forEach((s, i) => {
    const branches = 'branches' in s ? (s.branches ?? []) : [];
    branches.forEach(({ match }, k) => {
      const re = match.regex === undefined ? undefined : compileRegex(match.regex, match.flags);
      if (typeof re === 'string') problems.push({ path: ['steps', i, 'branches', k, 'match', 'regex'], message: `step "${s.id}": ${re}` });
    });
  });
  return problems;
}

export function templateProblems(journey: Journey): Problem[] {
  const problems: Problem[] = [];
  const known = journey.columns ? knownNames(journey) : undefined;
  const checkName = (path: Path, name: string, what: string) => {
    if (known && !known.has(name.toLowerCase())) {
      problems.push({ path, message: `${what} names no declared column, variable or fallback` });
    }
  };
  journey.steps.forEach((s, i) => {
    for (const [path, template] of templatesOf(s, i)) {
      if (hasUnclosed(template)) problems.push({ path, message: 'a "<<" is not closed by ">>"' });
      for (const p of placeholders(template)) {
        if (p.format !== undefined && !isFormatter(p.format)) {
          problems.push({ path, message: `unknown formatter "${p.format}" in ${p.raw}; use currency, number, date, upper or lower` });
        }
        checkName(path, p.name, `placeholder ${p.raw}`);
      }
    }
    if (s.kind === 'branch') checkName(['steps', i, 'on'], s.on, `field "${s.on}"`);
    if (s.kind === 'verify') checkName(['steps', i, 'field'], s.field, `field "${s.field}"`);
    if (s.kind === 'wait' && s.until) checkName(['steps', i, 'until', 'field'], s.until.field, `field "${s.until.field}"`);
  });
  return problems;
}

export function outcomeProblems(journey: Journey, outcomes: string[]): Problem[] {
  const allowed = new Set(outcomes);
  const problems: Problem[] = [];
  journey.steps.forEach((s, i) => {
    const outcome = 'outcome' in s ? s.outcome : undefined;
    if (outcome !== undefined && !allowed.has(outcome)) {
      problems.push({
        path: ['steps', i, 'outcome'],
        message: `unknown outcome "${outcome}"; expected one of ${outcomes.map((o) => `"${o}"`).join(', ')}`,
      });
    }
  });
  return problems;
}

/** The target outcome must be one that a step of the journey can set. */
export function targetOutcomeProblems(journey: Journey): Problem[] {
  if (journey.targetOutcome === undefined) return [];
  const set = [...new Set(journey.steps.flatMap((s) => ('outcome' in s && s.outcome !== undefined ? [s.outcome] : [])))];
  if (set.includes(journey.targetOutcome)) return [];
  const expected = set.length ? `expected one of ${set.map((o) => `"${o}"`).join(', ')}` : 'no step sets an outcome';
  return [{ path: ['targetOutcome'], message: `"${journey.targetOutcome}" is not an outcome of this journey; ${expected}` }];
}
