import type { Journey, Step } from './schema';

/** A reference from one step to another, with the JSON path that holds it. */
export interface Edge {
  from: number;
  path: (string | number)[];
  to: string;
}

/** Steps that can stop and wait for the customer, an agent or the clock. */
export const PAUSING_KINDS: ReadonlySet<Step['kind']> = new Set(['ask', 'verify', 'wait', 'handoff']);

const TARGET_KEYS = ['next', 'fallback', 'onTimeout', 'onTooManyInvalid', 'onMissing', 'onFail', 'onError'] as const;

export function edgesOf(step: Step, index: number): Edge[] {
  const edges: Edge[] = [];
  const fields = step as Partial<Record<(typeof TARGET_KEYS)[number], string>>;
  for (const key of TARGET_KEYS) {
    const to = fields[key];
    if (to !== undefined) edges.push({ from: index, path: ['steps', index, key], to });
  }
  if ('branches' in step && step.branches) {
    step.branches.forEach((b, i) => edges.push({ from: index, path: ['steps', index, 'branches', i, 'next'], to: b.next }));
  }
  return edges;
}

export function indexById(journey: Journey): Map<string, number> {
  const index = new Map<string, number>();
  journey.steps.forEach((s, i) => {
    if (!index.has(s.id)) index.set(s.id, i);
  });
  return index;
}

/** Indexes of the steps reachable from the start. */
export function reachable(journey: Journey, index: Map<string, number>): Set<number> {
  const seen = new Set<number>();
  const queue = [index.get(journey.start)].filter((i): i is number => i !== undefined);
  while (queue.length > 0) {
    const i = queue.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const e of edgesOf(journey.steps[i], i)) {
      const to = index.get(e.to);
      if (to !== undefined && !seen.has(to)) queue.push(to);
    }
  }
  return seen;
}

/**
 * Groups of steps that can run round in a loop without ever pausing
 * (strongly connected components of the non-pausing steps, Tarjan's algorithm).
 */
export function loopsWithoutPause(journey: Journey, index: Map<string, number>): number[][] {
  const steps = journey.steps;
  const next = steps.map((s, i) =>
    PAUSING_KINDS.has(s.kind)
      ? []
      : edgesOf(s, i)
          .map((e) => index.get(e.to))
          .filter((to): to is number => to !== undefined && !PAUSING_KINDS.has(steps[to].kind)),
  );
  const order = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const loops: number[][] = [];
  const visit = (v: number) => {
    order.set(v, order.size);
    low.set(v, order.get(v)!);
    stack.push(v);
    for (const w of next[v]) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v)!, order.get(w)!));
      }
    }
    if (low.get(v) !== order.get(v)) return;
    const group: number[] = [];
    let w: number;
    do {
      w = stack.pop()!;
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || next[v].includes(v)) loops.push(group.sort((a, b) => a - b));
  };
  steps.forEach((_, i) => {
    if (!order.has(i)) visit(i);
  });
  return loops;
}
