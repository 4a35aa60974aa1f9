// Seals the message bodies and notes stored before encryption, in batches: `npm run seal-legacy-texts`.
import { loadConfig, masterKey } from '../config';
import { withDataKeys } from './data-keys';
import { createDb } from './database';
import { sealLegacyTexts } from './legacy-texts';

async function main() {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const db = withDataKeys(createDb(config.DATABASE_URL, 2), masterKey(config));
  let total = 0;
  for (let n = await sealLegacyTexts(db); n > 0; n = await sealLegacyTexts(db)) total += n;
  console.log(`sealed ${total} rows`);
  await db.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
