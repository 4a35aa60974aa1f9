// Master-key rotation for the data keys: `PARLEY_OLD_MASTER_KEY=<old> PARLEY_MASTER_KEY=<new> npm run rewrap-data-keys`.
import { z } from 'zod';
import { loadConfig, masterKey } from '../config';
import { rewrapDataKeys } from './data-keys';
import { createDb } from './database';

const base64Key = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'PARLEY_OLD_MASTER_KEY: must be 32 bytes, base64');

async function main() {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const oldKey = Buffer.from(base64Key.parse(process.env.PARLEY_OLD_MASTER_KEY ?? ''), 'base64');
  const db = createDb(config.DATABASE_URL, 1);
  const n = await rewrapDataKeys(db, oldKey, masterKey(config));
  console.log(`re-wrapped ${n} data keys under the new master key; no sealed text was touched`);
  await db.destroy();
}

main().catch((err) => {
  console.error(err instanceof z.ZodError ? err.issues.map((i) => i.message).join('\n') : err);
  process.exit(1);
});
