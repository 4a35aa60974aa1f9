import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * Runs PGlite behind its PostgreSQL wire-protocol server, so the app talks to
 * it through the same pg driver as to a real server. One connection at a time:
 * PGlite is single-session, and sharing it would mix transactions.
 */
export async function startEmbeddedPostgres(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  const pg = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db: pg, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn();
  return {
    url: `postgres://postgres@${conn}/postgres?sslmode=disable`,
    stop: async () => {
      await server.stop();
      await pg.close();
    },
  };
}
