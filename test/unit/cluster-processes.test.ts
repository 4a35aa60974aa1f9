import { Children } from '../../scripts/cluster/processes';

const SLEEPER = ['-e', 'setInterval(() => undefined, 1000)'];

describe('Children', () => {
  it('when one child dies on its own, then it is reported once by name and stop() ends the others', async () => {
    const reports: string[] = [];
    let reported!: () => void;
    const died = new Promise<void>((resolve) => (reported = resolve));
    const children = new Children((child, how) => {
      reports.push(`${child.name}: ${how}`);
      reported();
    });
    const server = children.start('server', process.execPath, SLEEPER, { stdio: 'ignore' });
    children.start('worker 1', process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    const api = children.start('API', process.execPath, SLEEPER, { stdio: 'ignore' });

    await died;
    await children.stop();

    expect(reports).toEqual(['worker 1: exit code 3']);
    expect(await api.exited).toBe('killed by SIGTERM');
    expect(await server.exited).toBe('killed by SIGTERM');
  });

  it('when stopped, then the first child (the server) stops after the others and nothing is reported', async () => {
    const reports: string[] = [];
    const children = new Children((child) => reports.push(child.name));
    const order: string[] = [];
    for (const name of ['server', 'API', 'worker 1']) {
      const child = children.start(name, process.execPath, SLEEPER, { stdio: 'ignore' });
      void child.exited.then(() => order.push(name));
    }
    await children.stop();
    await new Promise((r) => setImmediate(r));

    expect(order[order.length - 1]).toBe('server');
    expect(order).toHaveLength(3);
    expect(reports).toEqual([]);
  });
});
