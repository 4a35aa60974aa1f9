// A made-up but plausible history of ended debt-collection conversations, the same for a given seed. Each
// conversation has a hidden willingness to pay; replies, their speed, intents, sentiment, reminders, the hour
// and the path through the journey are noisy signs of it, and the outcome follows it with noise of its own.
import type { FeatureMessage } from '../../platform/propensity/features';

export const TARGET_OUTCOME = 'Promise to pay';

export interface GeneratedConversation {
  id: string;
  outcome: string;
  messages: FeatureMessage[];
}

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function generateHistory(count: number, seed = 42): GeneratedConversation[] {
  const random = prng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const pick = <T>(weights: [T, number][]): T => {
    let r = random() * weights.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of weights) if ((r -= w) < 0) return v;
    return weights[weights.length - 1][0];
  };
  const out: GeneratedConversation[] = [];
  for (let n = 0; n < count; n++) {
    const willing = normal();
    // Evenings reach people at home; the small hours reach almost nobody.
    const hour = pick<number>(Array.from({ length: 24 }, (_, h) => [h, h < 7 ? 0.2 : h < 17 ? 1 : 1.4]));
    const hourEffect = hour < 7 ? -0.6 : hour >= 17 ? 0.3 : 0;
    let t = Date.UTC(2026, 0, 1 + (n % 300), hour, Math.floor(random() * 60));
    const messages: FeatureMessage[] = [];
    const say = (direction: 'in' | 'out', step: string, extra: Partial<FeatureMessage> = {}, afterSeconds = 2) => {
      t += afterSeconds * 1000;
      messages.push({ direction, step, intent: null, sentiment: null, createdAt: new Date(t), ...extra });
    };
    const reply = (step: string, intent: string, afterSeconds: number) =>
      say('in', step, { intent, sentiment: Math.max(-1, Math.min(1, Math.tanh(0.5 * willing + 0.6 * normal()))) }, afterSeconds);
    say('out', 'greet', {}, 0);
    say('out', 'ask_pay');
    const replies = random() < sigmoid(0.6 + 0.9 * willing + hourEffect);
    // Minutes to the reply: the willing answer sooner.
    const minutes = Math.exp(3 - 0.5 * willing + 1.1 * normal());
    const reminders = replies ? (minutes > 240 ? 2 : minutes > 60 ? 1 : 0) : 2;
    for (let r = 1; r <= reminders; r++) say('out', `ask_pay#r${r}`, {}, r === 1 ? 3600 : 3 * 3600);
    let positive = false;
    if (replies) {
      const intent = pick<string>([
        ['willing', Math.exp(0.9 * willing)],
        ['cannot_pay', Math.exp(-0.7 * willing)],
        ['question', 0.8],
        ['dispute', Math.exp(-0.9 * willing) * 0.5],
      ]);
      const elapsed = messages.length > 2 ? Math.max(60, minutes * 60 - 3600 * (1 + 3 * (reminders - 1))) : minutes * 60;
      reply('ask_pay', intent, elapsed);
      const odds = -1.1 + 1.3 * willing + hourEffect + 0.6 * normal();
      if (intent === 'willing') {
        say('out', 'offer_plan');
        reply('offer_plan', random() < sigmoid(willing) ? 'agree' : 'negotiate', Math.exp(4 + normal()));
        positive = random() < sigmoid(odds + 1.2);
      } else if (intent === 'question') {
        say('out', 'faq');
        if (random() < sigmoid(willing)) reply('faq', 'willing', Math.exp(5 + normal()));
        positive = random() < sigmoid(odds);
      } else if (intent === 'cannot_pay') {
        say('out', 'hardship');
        positive = random() < sigmoid(odds - 0.6);
      } else {
        say('out', 'handoff');
        positive = random() < sigmoid(odds - 1.2);
      }
    }
    say('out', positive ? 'confirm' : 'close');
    out.push({ id: `conv-${seed}-${n}`, outcome: positive ? TARGET_OUTCOME : replies ? 'Declined' : 'No response', messages });
  }
  return out;
}
