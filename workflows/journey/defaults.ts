/** How long an ask or verify step waits for an answer when it names no timeout. */
export const DEFAULT_TIMEOUT = '24h';
/** Unmatched answers an ask step accepts before it gives up. */
export const DEFAULT_MAX_INVALID = 3;
/** Wrong ID&V answers before a verify step locks the contact out. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Steps one `advance` may run before it stops the journey as runaway. */
export const MAX_STEPS_PER_ADVANCE = 200;
/** Outcome when a message cannot be filled in and the step has no `onMissing`. */
export const MISSING_DATA_OUTCOME = 'Missing data';
/** Outcome when the interpreter stops a broken or runaway journey. */
export const JOURNEY_ERROR_OUTCOME = 'Journey error';
