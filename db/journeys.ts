import type { IntentModel } from '../workflows/journey/nlu/model';
import { trainJourney } from '../workflows/journey/nlu/train';
import type { Db } from './database';

/** The org's journey with this id, if it has one. */
export async function findJourney(db: Db, orgId: string, journeyId: string) {
  return db.selectFrom('journeys').selectAll().where('id', '=', journeyId).where('org_id', '=', orgId).executeTakeFirst();
}

export async function findJourneyVersion(db: Db, journeyId: string, version: number) {
  return db
    .selectFrom('journey_versions')
    .selectAll()
    .where('journey_id', '=', journeyId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function listJourneys(db: Db, orgId: string) {
  return db
    .selectFrom('journeys')
    .select(['id', 'name', 'current_version', 'updated_at'])
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .execute();
}

/** A journey at version 1; returns its id. */
export async function createJourney(
  db: Db,
  journey: { orgId: string; name: string; definition: unknown; model?: IntentModel | null },
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const j = await trx
      .insertInto('journeys')
      .values({ org_id: journey.orgId, name: journey.name, current_version: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('journey_versions')
      .values({ journey_id: j.id, version: 1, definition: JSON.stringify(journey.definition), model: stored(journey) })
      .execute();
    return j.id;
  });
}

/** The journey's next version, which becomes its current one. */
export async function addJourneyVersion(
  db: Db,
  journeyId: string,
  change: { name: string; definition: unknown; model?: IntentModel | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Row lock: two concurrent PUTs make two versions, never the same one twice.
    const j = await trx.selectFrom('journeys').select('current_version').where('id', '=', journeyId).forUpdate().executeTakeFirstOrThrow();
    const version = j.current_version + 1;
    await trx
      .insertInto('journey_versions')
      .values({ journey_id: journeyId, version, definition: JSON.stringify(change.definition), model: stored(change) })
      .execute();
    await trx
      .updateTable('journeys')
      .set({ current_version: version, name: change.name, updated_at: new Date() })
      .where('id', '=', journeyId)
      .execute();
  });
}

/** The version's intent classifier as stored: the one given, else trained now from the definition. */
function stored({ definition, model }: { definition: unknown; model?: IntentModel | null }): string | null {
  const trained = model === undefined ? trainJourney(definition) : model;
  return trained ? JSON.stringify(trained) : null;
}
