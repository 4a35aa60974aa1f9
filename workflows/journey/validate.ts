import type { z } from 'zod';
import {
  graphProblems,
  outcomeProblems,
  type Path,
  type Problem,
  regexProblems,
  stepProblems,
  targetOutcomeProblems,
  templateProblems,
} from './checks';
import { intentProblems } from './nlu/checks';
import { type Journey, journeyShape } from './schema';

export type ValidationError = { path: string; message: string };
export type Validation = { ok: true; journey: Journey } | { ok: false; errors: ValidationError[] };

/** "steps[3].branches[0].next" for ['steps', 3, 'branches', 0, 'next']. */
export function formatPath(path: readonly PropertyKey[]): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  return text || 'journey';
}

function problems(journey: Journey, outcomes?: string[]): Problem[] {
  return [
    ...graphProblems(journey),
    ...stepProblems(journey),
    ...regexProblems(journey),
    ...templateProblems(journey),
    ...targetOutcomeProblems(journey),
    ...intentProblems(journey),
    ...(outcomes ? outcomeProblems(journey, outcomes) : []),
  ];
}

function fromZod(issue: z.core.$ZodIssue): ValidationError {
  const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  return { path: formatPath(issue.path), message: missing ? `required (expected ${issue.expected})` : issue.message };
}

/** A journey's shape and its checks across steps: targets, reachability, loops, placeholders. */
export const journeySchema = journeyShape.superRefine((journey, ctx) => {
  for (const p of problems(journey)) ctx.addIssue({ code: 'custom', path: p.path as Path, message: p.message });
});

/**
 * Checks a journey definition; `outcomes`, when given, is the org's list of
 * allowed outcomes. Every error names the step and field at fault.
 */
export function validateJourney(input: unknown, opts: { outcomes?: string[] } = {}): Validation {
  const parsed = journeyShape.safeParse(input);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map(fromZod) };
  const found = problems(parsed.data, opts.outcomes);
  if (found.length > 0) return { ok: false, errors: found.map((p) => ({ path: formatPath(p.path), message: p.message })) };
  return { ok: true, journey: parsed.data };
}
