import { Router } from 'express';
import { eventJsonSchemas } from '../../platform/events';

/** The JSON Schema of each event type a webhook receives, keyed by type. */
export function webhookSchemasRouter(): Router {
  const router = Router();
  const schemas = eventJsonSchemas();
  router.get('/', (_req, res) => void res.json(schemas));
  return router;
}
