// The bench worker's bundle: the real workflows plus the baseline.
import { proxyActivities } from '@temporalio/workflow';

export * from '../../workflows';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

/** The baseline: a minimal workflow that runs one no-op activity. */
export async function baseline(): Promise<void> {
  await noop();
}
