// The demo organisation that npm start and npm run start:cluster print a key for.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { provisionOrg } from '../api/orgs';
import type { Db } from '../db/database';
import type { SecretBox } from '../platform/secrets';
import { createJourney } from '../db/journeys';

export interface Demo {
  orgId: string;
  channelId: string;
  journeyId: string;
  apiKey: string;
}

/** Creates the demo org, channel, journey and key once; later starts reuse them. */
export async function ensureDemo(db: Db, secrets: SecretBox, file: string): Promise<Demo> {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Demo;
    // The file may belong to another database (DATABASE_URL changed): then make a new demo.
    if (await db.selectFrom('orgs').select('id').where('id', '=', saved.orgId).executeTakeFirst()) return saved;
  }
  const org = await provisionOrg(db, secrets, 'Demo organisation');
  const definition = JSON.parse(readFileSync(path.join(__dirname, '..', 'samples', 'journeys', 'demo.json'), 'utf8'));
  const journeyId = await createJourney(db, { orgId: org.orgId, name: 'Demo', definition });
  const demo = { ...org, journeyId };
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}
