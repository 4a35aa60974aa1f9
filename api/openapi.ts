import { z } from 'zod';
import type { Config } from '../config';
import { channelCreateSchema, channelPatchSchema } from '../channels/schemas';
import { journeyShape } from '../workflows/journey/schema';
import { closeSchema, handbackSchema, handoffSchema, noteSchema, outcomeSchema } from './routes/agent';
import { campaignSchema } from './routes/campaigns';
import { payloadsSchema } from './routes/codec';
import { messageSchema, startSchema } from './routes/conversations';
import { keyCreateSchema } from './routes/keys';
import { webhookCreateSchema, webhookReplaySchema } from './routes/webhooks';
import { orgPatchSchema } from './routes/org';
import { ROUTE_ROLES } from './roles';
import { inboundSchema } from './routes/sandbox';
import { webchatMessageSchema } from './routes/webchat';

type Route = [method: string, path: string, summary: string, body?: z.ZodType, status?: number];

// Authenticated by the provider's signature or the web chat visitor's cookie, not by a bearer token.
const UNAUTHENTICATED = new Set([
  'post /hooks/whatsapp',
  'post /hooks/{channelId}',
  'get /hooks/{channelId}',
  'get /webchat/{channelId}',
  'post /webchat/{channelId}/messages',
  'get /webchat/{channelId}/events',
]);
const IDEMPOTENT = new Set(['post /v1/campaigns', 'post /v1/conversations', 'post /v1/conversations/{id}/messages']);

const journeyBody = z.strictObject({ name: z.string().min(1).max(200), definition: journeyShape });
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
};

const routes = (config: Config): Route[] => [
  ['get', '/healthz', 'Liveness, with database and Temporal readiness'],
  ['post', '/v1/auth/token', 'Exchange the API key (not a token: 403) for a 15-minute JWT, audience parley-api', undefined, 201],
  ['get', '/v1/org', "The caller's organisation settings"],
  ['patch', '/v1/org', 'Change settings; null removes one', orgPatchSchema],
  ['get', '/v1/keys', "The organisation's live API keys: prefix, name, role, created and last used (never the key)"],
  ['post', '/v1/keys', 'Create an API key with a role; the key is in this answer only', keyCreateSchema, 201],
  [
    'delete',
    '/v1/keys/{id}',
    "Revoke a key and its tokens within a second (204); 409 for the organisation's last admin key",
    undefined,
    204,
  ],
  ['get', '/v1/request-log', 'Requests to the API: time, key prefix, method, route template, status, latency (?after, ?limit)'],
  ['get', '/v1/audit-log', 'Key creations and revocations, failed authentications (?from, ?to, ?actor, ?action, ?after, ?limit)'],
  ['get', '/v1/webhooks/schemas', 'The JSON Schema of every event type, keyed by type'],
  ['get', '/v1/webhooks', "The organisation's webhook endpoints (never their secrets)"],
  ['post', '/v1/webhooks', 'Subscribe an endpoint to event types; the signing secret is in this answer only', webhookCreateSchema, 201],
  ['get', '/v1/webhooks/{id}', 'One endpoint: status, subscriptions, notices'],
  ['delete', '/v1/webhooks/{id}', 'Delete an endpoint and stop its deliveries', undefined, 204],
  ['post', '/v1/webhooks/{id}/pause', 'Hold deliveries; events keep queueing'],
  ['post', '/v1/webhooks/{id}/resume', 'Deliver again, from where it paused'],
  ['post', '/v1/webhooks/{id}/rotate-secret', 'A new signing secret; the old one signs too during the overlap'],
  ['get', '/v1/webhooks/{id}/deliveries', 'Every delivery attempt: status, latency, response code and first bytes'],
  ['post', '/v1/webhooks/{id}/replay', 'Redeliver the subscribed events since a time, with their ids', webhookReplaySchema, 202],
  ['get', '/v1/journeys', 'List journeys'],
  ['post', '/v1/journeys', 'Create a journey (version 1); invalid journeys are a 400 naming the step', journeyBody, 201],
  ['get', '/v1/journeys/{id}', 'A journey at its current version, or ?version=N'],
  ['put', '/v1/journeys/{id}', 'A new version; running conversations keep theirs', journeyBody],
  [
    'post',
    '/v1/campaigns',
    'Start a campaign with JSON contacts, or with a contacts file as multipart/form-data (see README "Contact files")',
    campaignSchema(config),
    201,
  ],
  ['get', '/v1/campaigns/{id}', 'Status, and counts by state and by outcome'],
  ['get', '/v1/campaigns/{id}/import-report', "The rows of the campaign's contacts file that were not imported, as formula-safe CSV"],
  ['post', '/v1/campaigns/{id}/pause', 'Stop starting conversations', undefined, 202],
  ['post', '/v1/campaigns/{id}/resume', 'Start them again', undefined, 202],
  ['post', '/v1/campaigns/{id}/cancel', 'Never start the rest', undefined, 202],
  ['post', '/v1/conversations', 'Start one conversation with one contact', startSchema(config), 201],
  ['get', '/v1/conversations/{id}', 'State, with the live workflow query'],
  ['get', '/v1/conversations/{id}/transcript', 'Messages in order with statuses; ?format=csv for CSV'],
  ['post', '/v1/conversations/{id}/messages', 'An agent or API message', messageSchema, 201],
  ['post', '/v1/conversations/{id}/outcome', "Set the outcome (one of the organisation's)", outcomeSchema],
  ['post', '/v1/conversations/{id}/notes', 'Add an agent note', noteSchema, 201],
  ['post', '/v1/conversations/{id}/handoff', 'An agent takes over; the bot pauses', handoffSchema, 202],
  ['post', '/v1/conversations/{id}/handback', 'Back to the bot, at a named step or where it was', handbackSchema, 202],
  ['post', '/v1/conversations/{id}/close', 'End the conversation, optionally with an outcome', closeSchema, 202],
  ['post', '/v1/sandbox/{channelId}/inbound', 'A customer message on the sandbox channel', inboundSchema, 202],
  ['get', '/v1/sandbox/{channelId}/outbox', 'What the sandbox channel sent (?address, ?after, ?limit)'],
  ['get', '/v1/channels', 'List channels with their capabilities; secrets are never shown'],
  ['get', '/v1/channels/{id}', 'One channel; secrets are never shown'],
  [
    'post',
    '/v1/channels',
    "Add a channel; its config is checked against the kind's provider, its secrets stored encrypted",
    channelCreateSchema(),
    201,
  ],
  ['patch', '/v1/channels/{id}', 'Rename, or change some config fields; a secret given replaces the stored one', channelPatchSchema()],
  ['delete', '/v1/channels/{id}', 'Soft-delete a channel (204); 409 while live conversations use it', undefined, 204],
  ['post', '/hooks/whatsapp', "WhatsApp Cloud API's app-level webhook, routed by the body's phone_number_id (no API key)"],
  [
    'post',
    '/hooks/{channelId}',
    "A provider's webhook: inbound messages and status callbacks, in the provider's format and signed (no API key)",
  ],
  [
    'get',
    '/hooks/{channelId}',
    "A provider's subscription check (WhatsApp: hub.verify_token, answered with hub.challenge as text, or 403)",
  ],
  ['get', '/webchat/{channelId}', "The web chat page (HTML) for a webchat channel; sets the visitor's cookie"],
  [
    'post',
    '/webchat/{channelId}/messages',
    "A visitor's message (the page's cookie; JSON from the page's own origin); `id` makes a retry a no-op",
    webchatMessageSchema,
    202,
  ],
  ['get', '/webchat/{channelId}/events', "The visitor's messages and the answers as Server-Sent Events, after Last-Event-ID or ?after"],
  ['post', '/codec/decode', 'Decrypt payloads for the Temporal UI (PARLEY_ADMIN_TOKEN; 404 when unset)', payloadsSchema],
  ['post', '/codec/encode', 'Encrypt payloads for the Temporal UI (PARLEY_ADMIN_TOKEN; 404 when unset)', payloadsSchema],
];

const problem = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/** The OpenAPI 3.1 document, with request bodies generated from the zod schemas the handlers validate with. */
export function openApiDocument(config: Config) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [method, path, summary, body, status = 200] of routes(config)) {
    const params: object[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    if (IDEMPOTENT.has(`${method} ${path}`)) params.push(idempotencyKey);
    (paths[path] ??= {})[method] = {
      summary,
      ...(params.length ? { parameters: params } : {}),
      ...(UNAUTHENTICATED.has(`${method} ${path}`) ? { security: [] } : {}),
      ...(ROUTE_ROLES[`${method} ${path}`] ? { 'x-required-role': ROUTE_ROLES[`${method} ${path}`] } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) } },
            },
          }
        : {}),
      responses: {
        [status]: { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
        default: {
          description: 'An error, naming the failing field where there is one',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley',
      version: '0.1.0',
      description: 'Durable automated customer conversations. Authenticate with `Authorization: Bearer <api key or token>`.',
    },
    components: { schemas: { Problem: problem }, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
