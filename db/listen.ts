import { Client } from 'pg';
import type { Logger } from 'pino';

const RECONNECT_MS = 1000;

/**
 * LISTENs on a PostgreSQL notification channel on a connection of its own, calling
 * `onNotify` for each notification, and once more after a reconnect (it may have missed some).
 */
export function listen(
  databaseUrl: string,
  channel: string,
  onNotify: () => void,
  log: Pick<Logger, 'warn'>,
): { stop: () => Promise<void> } {
  let client: Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new Client({ connectionString: databaseUrl });
    c.on('notification', () => onNotify());
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      client = c;
      if (stopped) await c.end();
      else onNotify();
    } catch (err) {
      c.end().catch(() => undefined);
      lost(c, err as Error);
    }
  };
  const lost = (c: Client, err?: Error) => {
    if (client && client !== c) return;
    client = undefined;
    if (stopped || retry) return;
    if (err) log.warn({ err }, `LISTEN ${channel}: connection lost; reconnecting`);
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RECONNECT_MS);
  };
  void connect();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
