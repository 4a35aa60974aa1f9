import {
  type FeatureMessage,
  encode,
  featureNames,
  observe,
  stepOfSendId,
  trainingPrefix,
  vocabulary,
} from '../../../platform/propensity/features';
import { score, trainModel } from '../../../platform/propensity/model';
import { TARGET_OUTCOME, generateHistory } from '../../../scripts/bench/propensity-history';

const at = (iso: string) => new Date(iso);
const out = (step: string, iso: string): FeatureMessage => ({ direction: 'out', step, intent: null, sentiment: null, createdAt: at(iso) });
const reply = (step: string, iso: string, intent: string | null, sentiment: number | null): FeatureMessage => ({
  direction: 'in',
  step,
  intent,
  sentiment,
  createdAt: at(iso),
});

describe('observe', () => {
  const messages = [
    out('greet', '2026-03-10T18:30:00Z'),
    out('ask', '2026-03-10T18:30:01Z'),
    out('ask#r1', '2026-03-10T19:30:01Z'),
    reply('ask', '2026-03-10T19:40:01Z', 'willing', 0.5),
    out('offer@2', '2026-03-10T19:40:02Z'),
    reply('offer', '2026-03-10T19:40:32Z', 'agree', -0.1),
  ];

  it('when a conversation had a reminder and two replies, then it sees its steps, intents, sentiment, latencies and hour', () => {
    const o = observe(messages, 'Europe/Paris');
    expect([...o.steps].sort()).toEqual(['ask', 'greet', 'offer']);
    expect([...o.intents].sort()).toEqual(['agree', 'willing']);
    expect(o.sentiments).toEqual([0.5, -0.1]);
    // From the first unanswered message (the greeting) to the reply, then from the next message to the next reply.
    expect(o.latencies).toEqual([4201, 30]);
    expect(o.reminders).toBe(1);
    expect(o.replies).toBe(2);
    // 18:30 UTC is 19:30 in Paris in March.
    expect(o.hour).toBe(19);
  });

  it('when the time zone is unknown, then the hour is UTC', () => {
    expect(observe(messages, 'Not/AZone').hour).toBe(18);
  });

  it('when a send id has a visit and a suffix, then it names its step', () => {
    expect(['menu', 'menu#r1', 'menu@2', 'menu@2#i1'].map(stepOfSendId)).toEqual(['menu', 'menu', 'menu', 'menu']);
  });
});

describe('encode', () => {
  it('when a step or intent is outside the vocabulary, then it adds nothing, and the vector matches the names', () => {
    const seen = Array.from({ length: 5 }, () =>
      observe([out('greet', '2026-03-10T08:00:00Z'), reply('greet', '2026-03-10T08:01:00Z', 'yes', 0)]),
    );
    const vocab = vocabulary(seen);
    expect(vocab).toEqual({ steps: ['greet'], intents: ['yes'] });
    const row = encode(vocab, observe([out('rare', '2026-03-10T08:00:00Z')]));
    const named = Object.fromEntries(featureNames(vocab).map((n, i) => [n, row[i]]));
    expect(named).toMatchObject({ noReply: 1, 'hour:6-11': 1, 'step:greet': 0, 'intent:yes': 0, reminders: 0 });
    expect(row).toHaveLength(featureNames(vocab).length);
  });
});

describe('trainingPrefix', () => {
  it('when a conversation has several messages, then training sees a fixed part that never includes the last', () => {
    const messages = [1, 2, 3, 4, 5];
    const cut = trainingPrefix('c-1', messages);
    expect(cut.length).toBeGreaterThanOrEqual(1);
    expect(cut.length).toBeLessThan(messages.length);
    expect(trainingPrefix('c-1', messages)).toEqual(cut);
  });
});

describe('trainModel', () => {
  const history = generateHistory(1500, 3);
  const examples = history.map((c) => ({ id: c.id, messages: c.messages, positive: c.outcome === TARGET_OUTCOME }));

  it('when trained twice on the same history, then the same model, and it ranks held-out conversations well', () => {
    const a = trainModel(examples, 'UTC');
    expect(a).toEqual(trainModel(examples, 'UTC'));
    if ('skipped' in a) throw new Error(a.skipped);
    expect(a.auc).toBeGreaterThan(0.7);
    expect(a.nTrain + a.nTest).toBe(1500);
    const p = score(a, history[0].messages.slice(0, 2), 'UTC');
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it('when every conversation has the same outcome, then it skips and says why', () => {
    expect(
      trainModel(
        examples.slice(0, 10).map((e) => ({ ...e, positive: false })),
        'UTC',
      ),
    ).toEqual({
      skipped: 'all 10 ended conversations missed the target outcome',
    });
  });
});
