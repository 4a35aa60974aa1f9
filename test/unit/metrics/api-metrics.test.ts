import { apiMetrics } from '../../../api/metrics';
import type { Db } from '../../../db/database';
import { parseExposition, valueOf } from '../../helpers/prometheus';

describe('the API metrics registry', () => {
  it('when the database cannot count conversations or read the inbound queue, then the scrape still answers, without the count and with the queue unknown (NaN), and the next scrape tries again', async () => {
    let queries = 0;
    const down = { transaction: () => ({ execute: () => (queries++, Promise.reject(new Error('connection refused'))) }) } as unknown as Db;
    const errors: string[] = [];
    const metrics = apiMetrics(down, { log: { error: (_obj, msg) => void errors.push(msg) } });

    for (let i = 0; i < 2; i++) {
      const samples = parseExposition(await metrics.registry.metrics());
      const names = samples.map((s) => s.name);
      expect(names).toContain('process_cpu_seconds_total');
      expect(names).not.toContain('parley_conversations');
      // Unknown, not an empty queue.
      expect(valueOf(samples, 'parley_inbound_queue_depth', {})).toBeNaN();
      expect(valueOf(samples, 'parley_inbound_queue_oldest_seconds', {})).toBeNaN();
    }
    expect(queries).toBe(2);
    const tally = errors.reduce<Record<string, number>>((t, e) => ({ ...t, [e]: (t[e] ?? 0) + 1 }), {});
    // Each scrape: one count of conversations, and one read of the queue per gauge.
    expect(tally).toEqual({ 'counting conversations for /metrics failed': 2, 'reading the inbound queue for /metrics failed': 4 });
  });
});
