import { loadConfig, masterKey } from '../config';
import { secretBox } from '../platform/secrets';
import { createDb, migrate } from './database';

async function main() {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to migrate a server database');
  const db = createDb(config.DATABASE_URL, 1);
  const applied = await migrate(db, secretBox(masterKey(config)));
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  await db.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
