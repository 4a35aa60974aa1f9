import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { EVENT_TYPES } from '../../db/events';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listAttempts,
  listEndpoints,
  replayDeliveries,
  rotateEndpointSecret,
  setEndpointStatus,
} from '../../db/webhooks';
import { OutboundRefusedError, checkUrl, configuredPolicy } from '../../platform/outbound';
import { WEBHOOK_SECRET_FIELD, newWebhookSecret } from '../../platform/webhooks/sign';
import { WORKFLOW, wakeWebhooksSignal, webhookWorkflowId } from '../../workflows/contracts';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';

export const webhookCreateSchema = z
  .object({
    url: z.string().max(2048).url(),
    events: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length),
    ordered: z.boolean().optional(),
  })
  .strict();

export const webhookReplaySchema = z.object({ since: z.iso.datetime({ offset: true }) }).strict();

const pageSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: z
      .string()
      .regex(/^\d{1,18}$/, 'expected an attempt cursor')
      .optional(),
  })
  .strict();

type EndpointRow = NonNullable<Awaited<ReturnType<typeof getEndpoint>>>;

const view = (e: Omit<EndpointRow, 'notices'> & { notices?: EndpointRow['notices'] }) => ({
  id: e.id,
  url: e.url,
  events: e.events,
  ordered: e.ordered,
  status: e.status,
  ...(e.disabled_reason ? { disabledReason: e.disabled_reason } : {}),
  failingSince: e.failing_since,
  createdAt: e.created_at,
  ...(e.notices ? { notices: e.notices } : {}),
});

/**
 * The caller's webhook endpoints. The API only writes rows and wakes the endpoint's dispatcher
 * workflow; it never delivers itself. The signing secret is shown once, at creation and rotation.
 */
export function webhooksRouter({ db, temporal, config, secrets }: ApiDeps): Router {
  const router = Router();
  const outbound = configuredPolicy(config);

  const load = async (orgId: string, raw: string | string[] | undefined) => {
    const endpoint = await getEndpoint(db, orgId, pathId(raw, 'webhook endpoint'));
    if (!endpoint) throw notFound('webhook endpoint');
    return endpoint;
  };
  /** Starts the dispatcher, or wakes the running one. */
  const wake = (endpointId: string) =>
    temporal.workflow.signalWithStart(WORKFLOW.webhooks, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: webhookWorkflowId(endpointId),
      args: [{ endpointId }],
      signal: wakeWebhooksSignal,
      signalArgs: [],
    });

  router.get('/', async (req, res) => {
    res.json({ endpoints: (await listEndpoints(db, caller(req).orgId)).map(view) });
  });

  router.get('/:id', async (req, res) => {
    res.json(view(await load(caller(req).orgId, req.params.id)));
  });

  router.post('/', async (req, res) => {
    const { orgId } = caller(req);
    const body = parse(webhookCreateSchema, req.body);
    try {
      await checkUrl(body.url, outbound);
    } catch (err) {
      if (!(err instanceof OutboundRefusedError)) throw err;
      throw new HttpError(422, 'Refused destination', `url: ${err.message}`, [{ field: 'url', message: err.message }]);
    }
    const secret = newWebhookSecret();
    const id = await createEndpoint(db, {
      orgId,
      url: body.url,
      events: [...new Set(body.events)],
      ordered: body.ordered ?? false,
      secret: secrets.seal(WEBHOOK_SECRET_FIELD, secret),
    });
    try {
      await wake(id);
    } catch (err) {
      await deleteEndpoint(db, orgId, id);
      throw err;
    }
    res
      .status(201)
      .location(`/v1/webhooks/${id}`)
      .json({ ...view((await getEndpoint(db, orgId, id))!), secret });
  });

  router.delete('/:id', async (req, res) => {
    const { orgId } = caller(req);
    const id = pathId(req.params.id, 'webhook endpoint');
    if (!(await deleteEndpoint(db, orgId, id))) throw notFound('webhook endpoint');
    // A paused dispatcher waits for a signal to notice it is gone; a finished one needs none.
    await temporal.workflow
      .getHandle(webhookWorkflowId(id))
      .signal(wakeWebhooksSignal)
      .catch((err) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
    res.status(204).end();
  });

  for (const [action, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    router.post(`/:id/${action}`, async (req, res) => {
      const { orgId } = caller(req);
      const endpoint = await load(orgId, req.params.id);
      if (!(await setEndpointStatus(db, orgId, endpoint.id, status))) throw notFound('webhook endpoint');
      if (status === 'active') await wake(endpoint.id);
      res.json(view((await getEndpoint(db, orgId, endpoint.id))!));
    });
  }

  router.post('/:id/rotate-secret', async (req, res) => {
    const { orgId } = caller(req);
    const endpoint = await load(orgId, req.params.id);
    const secret = newWebhookSecret();
    const previousUntil = new Date(Date.now() + config.WEBHOOK_SECRET_OVERLAP_MS);
    if (!(await rotateEndpointSecret(db, orgId, endpoint.id, secrets.seal(WEBHOOK_SECRET_FIELD, secret), previousUntil)))
      throw notFound('webhook endpoint');
    res.json({ id: endpoint.id, secret, previousSecretValidUntil: previousUntil.toISOString() });
  });

  router.get('/:id/deliveries', async (req, res) => {
    const { orgId } = caller(req);
    const endpoint = await load(orgId, req.params.id);
    const page = parse(pageSchema, req.query, 'query');
    const rows = await listAttempts(db, endpoint.id, page);
    res.json({
      deliveries: rows.map((a) => ({
        eventId: a.event_id,
        type: a.event_type,
        attempt: a.attempt,
        status: a.outcome,
        latencyMs: a.latency_ms,
        responseStatus: a.response_status,
        responseBody: a.response_body,
        error: a.error,
        at: a.at,
      })),
      next: rows.length === page.limit ? rows[rows.length - 1].id : null,
    });
  });

  router.post('/:id/replay', async (req, res) => {
    const { orgId } = caller(req);
    const endpoint = await load(orgId, req.params.id);
    const { since } = parse(webhookReplaySchema, req.body);
    const count = await replayDeliveries(db, endpoint.id, new Date(since));
    await wake(endpoint.id);
    res.status(202).json({ replayed: count });
  });

  return router;
}
