import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/database';
import { addJourneyVersion, createJourney, findJourney, findJourneyVersion, listJourneys } from '../../db/journeys';
import { SYSTEM_OUTCOMES } from '../../workflows/contracts';
import { validateJourney } from '../../workflows/journey';
import { MAX_MODEL_BYTES, trainJourney } from '../../workflows/journey/nlu/train';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { orgSettings } from '../../db/orgs';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';

export const journeyBodySchema = z.strictObject({ name: z.string().min(1).max(200), definition: z.unknown() });

/** Validates a journey definition, naming the failing step in a 400. */
async function checkDefinition(db: Db, orgId: string, definition: unknown, maxBytes: number) {
  // The whole definition travels in a workflow payload, which Temporal caps at 2 MB.
  const bytes = Buffer.byteLength(JSON.stringify(definition ?? null));
  if (bytes > maxBytes) {
    const message = `at most ${maxBytes} bytes as JSON; this one is ${bytes}`;
    throw new HttpError(400, 'Invalid journey', `definition: ${message}`, [{ field: 'definition', message }]);
  }
  const settings = await orgSettings(db, orgId);
  const result = validateJourney(definition, { outcomes: [...settings.outcomes, ...SYSTEM_OUTCOMES] });
  if (!result.ok) {
    const errors = result.errors.map((e) => ({ field: e.path ? `definition.${e.path}` : 'definition', message: e.message }));
    throw new HttpError(400, 'Invalid journey', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  // Trained once here, as the version is saved, and stored with it.
  const model = trainJourney(result.journey) ?? null;
  const modelBytes = model ? Buffer.byteLength(JSON.stringify(model)) : 0;
  if (modelBytes > MAX_MODEL_BYTES) {
    const message = `the intents train a model of ${Math.ceil(modelBytes / 1024)} KiB, over the ${MAX_MODEL_BYTES / 1024} KiB limit; use fewer intents or examples`;
    throw new HttpError(400, 'Invalid journey', `definition.intents: ${message}`, [{ field: 'definition.intents', message }]);
  }
  return { definition: result.journey, model };
}

export function journeysRouter({ db, config }: ApiDeps): Router {
  const router = Router();

  const describe = async (orgId: string, id: string, version?: number) => {
    const journey = await findJourney(db, orgId, id);
    if (!journey) throw notFound('journey');
    const v = await findJourneyVersion(db, id, version ?? journey.current_version);
    if (!v) throw notFound('journey version');
    return {
      id,
      name: journey.name,
      version: v.version,
      currentVersion: journey.current_version,
      definition: v.definition,
      updatedAt: journey.updated_at,
    };
  };

  router.post('/', async (req, res) => {
    const { orgId } = caller(req);
    const body = parse(journeyBodySchema, req.body);
    const { definition, model } = await checkDefinition(db, orgId, body.definition, config.MAX_JOURNEY_BYTES);
    const id = await createJourney(db, { orgId, name: body.name, definition, model });
    res
      .status(201)
      .location(`/v1/journeys/${id}`)
      .json(await describe(orgId, id));
  });

  router.get('/', async (req, res) => {
    const rows = await listJourneys(db, caller(req).orgId);
    res.json({ journeys: rows.map((r) => ({ id: r.id, name: r.name, currentVersion: r.current_version, updatedAt: r.updated_at })) });
  });

  router.get('/:id', async (req, res) => {
    const version = parse(z.coerce.number().int().min(1).optional(), req.query.version, 'version');
    res.json(await describe(caller(req).orgId, pathId(req.params.id, 'journey'), version));
  });

  router.put('/:id', async (req, res) => {
    const { orgId } = caller(req);
    const id = pathId(req.params.id, 'journey');
    const body = parse(journeyBodySchema, req.body);
    await describe(orgId, id);
    const { definition, model } = await checkDefinition(db, orgId, body.definition, config.MAX_JOURNEY_BYTES);
    await addJourneyVersion(db, id, { name: body.name, definition, model });
    res.json(await describe(orgId, id));
  });

  return router;
}
