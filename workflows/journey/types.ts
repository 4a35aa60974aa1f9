// The interface between the journey interpreter (pure, deterministic) and the
// conversation workflow that executes its actions and waits.

/** Contact columns, enrichment results and conversation variables, as strings. */
export type Fields = Record<string, string>;

/** Serialisable interpreter state, carried across continue-as-new. */
export interface RunState {
  stepId: string;
  vars: Fields;
  /** Invalid answers at the current ask step. */
  invalid: number;
  /** Reminders already sent at the current ask step. */
  reminders: number;
  /** Failed ID&V attempts, per verify step id. */
  verifyFailures: Record<string, number>;
  outcome?: string;
  ended: boolean;
  /** Values the org's endpoint gave this conversation: a field is fetched once per conversation. */
  enriched?: Fields;
  /** Free slot for the interpreter's own bookkeeping. */
  extra?: Record<string, unknown>;
}

/** Facts from outside the interpreter; `now` is workflow time. */
export interface RunContext {
  now: number;
  timeZone: string;
  locale: string;
  currency: string;
  /** The contact's imported fields. */
  contact: Fields;
  /** The intent classifier trained with the journey's version, as JSON, if it declares intents. */
  model?: string;
}

export type Input =
  | { kind: 'start' }
  | { kind: 'reply'; text: string; sentiment?: number }
  | { kind: 'timeout' }
  | { kind: 'timer' }
  | { kind: 'enriched'; values: Fields }
  | { kind: 'enrichFailed'; reason: string }
  | { kind: 'handback'; stepId?: string };

export type Action =
  | { kind: 'send'; stepId: string; text: string }
  | { kind: 'outcome'; outcome: string }
  | { kind: 'note'; text: string }
  /** What the step read of the reply: its best intent, for the message's row. */
  | { kind: 'understood'; stepId: string; intent: string; score: number }
  | { kind: 'verified'; stepId: string; ok: boolean; lockedOut: boolean };

export type Wait =
  | { kind: 'reply'; stepId: string; timeoutMs: number }
  | { kind: 'until'; stepId: string; at: number }
  | { kind: 'enrich'; stepId: string; fields: string[] }
  | { kind: 'handoff'; stepId: string }
  | { kind: 'end' };

export interface StepResult {
  state: RunState;
  actions: Action[];
  wait: Wait;
}
