// How customers write in texts, mapped to the words the examples are likely to use.
// Every stored model reads replies through this: changing it changes answers on replay, so a change needs
// a new model version that reads through its own copy (test/fixtures/nlu/model-v*.json hold the answers).
const SHORT: Record<string, string> = {
  u: 'you',
  ur: 'your',
  r: 'are',
  pls: 'please',
  plz: 'please',
  cant: 'can not',
  cannot: 'can not',
  dont: 'do not',
  doesnt: 'does not',
  didnt: 'did not',
  wont: 'will not',
  isnt: 'is not',
  aint: 'am not',
  im: 'i am',
  ive: 'i have',
  ill: 'i will',
  id: 'i would',
  thats: 'that is',
  its: 'it is',
  tmrw: 'tomorrow',
  tmr: 'tomorrow',
  tomoz: 'tomorrow',
  tomorow: 'tomorrow',
  b4: 'before',
  txt: 'text',
  txts: 'texts',
  msg: 'message',
  msgs: 'messages',
  payed: 'paid',
  thx: 'thanks',
  ty: 'thanks',
  gonna: 'going to',
  wanna: 'want to',
  wen: 'when',
  coz: 'because',
  cos: 'because',
  nite: 'night',
  '2moro': 'tomorrow',
  resched: 'reschedule',
  unsub: 'unsubscribe',
};

const DAYS = new Set([
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'mon',
  'tue',
  'tues',
  'wed',
  'thu',
  'thur',
  'thurs',
  'fri',
  'sat',
  'sun',
  'today',
  'tomorrow',
  'tonight',
  'weekend',
  'lunes',
  'martes',
  'miercoles',
  'jueves',
  'viernes',
  'sabado',
  'domingo',
  'manana',
  'lundi',
  'mardi',
  'mercredi',
  'jeudi',
  'vendredi',
  'samedi',
  'dimanche',
  'demain',
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
]);
const NUMBER = /^(?:[£$€]?\d+(?:[.,]\d+)?(?:st|nd|rd|th|am|pm|k)?|£|€|quid)$/;

/** Folded words with texting shorthand spelled out and dates and numbers marked by their kind. */
export function normaliseWords(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const long = Object.hasOwn(SHORT, w) ? SHORT[w].split(' ') : [w];
    for (const x of long) {
      out.push(x);
      if (DAYS.has(x)) out.push('#day');
      else if (NUMBER.test(x)) out.push('#num');
    }
  }
  return out;
}
