const STOP_WORDS = new Set(['stop', 'stopall', 'stop all', 'unsubscribe', 'cancel', 'end', 'quit']);
const START_WORDS = new Set(['start', 'unstop']);

/** 'stop' or 'start' when the whole message is an opt-out or opt-in keyword. */
export function optOutKeyword(text: string): 'stop' | 'start' | null {
  const word = text
    .trim()
    .replace(/^["'“”‘’]+|["'“”‘’.!?,;:\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
  if (STOP_WORDS.has(word)) return 'stop';
  if (START_WORDS.has(word)) return 'start';
  return null;
}
