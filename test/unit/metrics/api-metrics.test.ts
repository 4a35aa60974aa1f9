import { apiMetrics } from '../../../api/metrics';
import type { Db } from '../../../db/database';
import { parseExposition } from '../../helpers/prometheus';

describe('the API metrics registry', () => {
  it('when the database cannot count conversations, then the scrape still answers, without that gauge, and the next scrape tries again', async () => {
    let queries = 0;
    const down = { transaction: () => ({ execute: () => (queries++, Promise.reject(new Error('connection refused'))) }) } as unknown as Db;
    const errors: string[] = [];
    const metrics = apiMetrics(down, { log: { error: (_obj, msg) => void errors.push(msg) } });

    for (let i = 0; i < 2; i++) {
      const names = parseExposition(await metrics.registry.metrics()).map((s) => s.name);
      expect(names).toContain('process_cpu_seconds_total');
      expect(names).not.toContain('parley_conversations');
    }
    expect(queries).toBe(2);
    expect(errors).toEqual(['counting conversations for /metrics failed', 'counting conversations for /metrics failed']);
  });
});
