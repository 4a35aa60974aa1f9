// The demo organisation that npm start and npm run start:cluster print a key for.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { provisionOrg } from '../api/orgs';
import type { Db } from '../db/database';

export interface Demo {
  orgId: string;
  channelId: string;
  journeyId: string;
  apiKey: string;
}

/** Creates the demo org, channel, journey and key once; later starts reuse them. */
export async function ensureDemo(db: Db, file: string): Promise<Demo> {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Demo;
    // The file may belong to another database (DATABASE_URL changed): then make a new demo.
    if (await db.selectFrom('orgs').select('id').where('id', '=', saved.orgId).executeTakeFirst()) return saved;
  }
  const org = await provisionOrg(db, 'Demo organisation');
  const definition = JSON.parse(readFileSync(path.join(__dirname, '..', 'samples', 'journeys', 'demo.json'), 'utf8'));
  const journey = await db.transaction().execute(async (trx) => {
    const j = await trx.insertInto('journeys').values({ org_id: org.orgId, name: 'Demo', current_version: 1 }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('journey_versions').values({ journey_id: j.id, version: 1, definition: JSON.stringify(definition) }).execute();
    return j;
  });
  const demo = { ...org, journeyId: journey.id };
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}
