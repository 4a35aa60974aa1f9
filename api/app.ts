import express from 'express';
import { authenticate, authorize, caller, issueToken } from './auth';
import { keyRateLimit } from './rate-limit';
import { keysRouter } from './routes/keys';
import { suppressionsRouter } from './routes/suppressions';
import { logsRouter } from './routes/logs';
import { isReachable } from '../db/database';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundHandler } from './problem';
import { campaignsRouter } from './routes/campaigns';
import { conversationsRouter } from './routes/conversations';
import { journeysRouter } from './routes/journeys';
import { agentRouter } from './routes/agent';
import { orgRouter } from './routes/org';
import { legalHoldRouter } from './routes/legal-hold';
import { codecRouter } from './routes/codec';
import { openApiDocument, routes } from './openapi';
import { validateResponses } from './validate-responses';
import { sandboxRouter } from './routes/sandbox';
import { channelsRouter } from './routes/channels';
import { hooksRouter } from './routes/hooks';
import { webchatRouter } from './routes/webchat';
import { webhookSchemasRouter } from './routes/webhook-schemas';
import { webhooksRouter } from './routes/webhooks';
import { dataSubjectRequestsRouter } from './routes/data-subject-requests';
import { storableInput } from './storable';
import { apiMetrics } from './metrics';

/** The HTTP API: thin handlers that validate, write, and start or signal workflows. */
export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const metrics = apiMetrics(deps.db, { token: deps.config.METRICS_TOKEN, log: deps.log });
  app.use(metrics.timing);
  if (deps.config.PARLEY_VALIDATE_RESPONSES) app.use(validateResponses(routes(deps.config), deps.log));

  app.get('/healthz', async (_req, res) => {
    const [database, temporal] = await Promise.all([
      isReachable(deps.db).then((up) => (up ? 'ok' : 'down')),
      deps.temporal.workflowService.getSystemInfo({}).then(
        () => 'ok',
        () => 'down',
      ),
    ]);
    const ok = database === 'ok' && temporal === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, temporal });
  });

  const openapi = openApiDocument(deps.config);
  // Without PUBLIC_URL, the server is the one the client reached.
  const here = (req: express.Request) => ({
    ...openapi,
    servers: [{ url: `${req.protocol}://${req.get('host')}`, description: 'This API' }],
  });
  app.get('/openapi.json', (req, res) => void res.json(deps.config.PUBLIC_URL ? openapi : here(req)));
  app.get('/metrics', metrics.endpoint);
  // Signed by the provider instead of an API key; the raw body is kept for the signature.
  app.use('/hooks', hooksRouter(deps));
  // The visitor's cookie, issued by the chat page, instead of an API key.
  app.use('/webchat', webchatRouter(deps));
  app.use(
    '/codec',
    codecRouter(deps.codec, {
      adminToken: deps.config.PARLEY_ADMIN_TOKEN,
      devLoopback: deps.config.PARLEY_DEV_CODEC_LOOPBACK,
      corsOrigins: deps.config.CODEC_CORS_ORIGINS,
    }),
  );

  const v1 = express.Router();
  if (deps.requestLog) v1.use(deps.requestLog.middleware);
  v1.use(authenticate(deps.db, deps.signingKeys));
  v1.use(keyRateLimit(deps.db, { perSecond: deps.config.API_KEY_RATE, burst: deps.config.API_KEY_BURST }));
  v1.use(authorize);
  v1.use(express.json({ limit: deps.config.MAX_BODY_BYTES }), storableInput);
  v1.post('/auth/token', (req, res) => void res.status(201).json(issueToken(caller(req), deps.signingKeys)));
  v1.use('/keys', keysRouter(deps));
  v1.use('/suppressions', suppressionsRouter(deps));
  v1.use(logsRouter(deps));
  v1.use('/campaigns', campaignsRouter(deps));
  v1.use('/conversations', conversationsRouter(deps), agentRouter(deps));
  v1.use('/org', orgRouter(deps));
  v1.use(legalHoldRouter(deps));
  v1.use('/journeys', journeysRouter(deps));
  v1.use('/sandbox', sandboxRouter(deps));
  v1.use('/channels', channelsRouter(deps));
  v1.use('/webhooks/schemas', webhookSchemasRouter());
  v1.use('/webhooks', webhooksRouter(deps));
  v1.use('/data-subject-requests', dataSubjectRequestsRouter(deps));
  app.use('/v1', v1);

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
