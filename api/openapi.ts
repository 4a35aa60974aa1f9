import { z } from 'zod';
import type { Config } from '../config';
import { channelCreateSchema, channelPatchSchema } from '../channels/schemas';
import type { EventType } from '../db/events';
import { journeyShape } from '../workflows/journey/schema';
import { EVENT_DATA } from '../platform/events';
import { webhooksSection } from './openapi-webhooks';
import { ROUTE_ROLES } from './roles';
import { keyCreateSchema } from './routes/keys';
import { webhookCreateSchema, webhookReplaySchema } from './routes/webhooks';
import { closeSchema, handbackSchema, handoffSchema, noteSchema, outcomeSchema } from './routes/agent';
import { addContactsSchema, campaignSchema } from './routes/campaigns';
import { payloadsSchema } from './routes/codec';
import { messageSchema, startSchema } from './routes/conversations';
import { enrichmentRotateSchema, offboardSchema, orgPatchSchema } from './routes/org';
import { inboundSchema } from './routes/sandbox';
import { VISITOR_COOKIE, webchatMessageSchema } from './routes/webchat';
import { campaignControlled, campaignCreated, campaignDetail, campaignPriorities, membersAdded } from './schemas/campaigns';
import { health, problem, someObject } from './schemas/common';
import { channelList, channelView } from './schemas/channels';
import {
  agentRequested,
  conversationDetail,
  conversationView,
  messageSent,
  noteAdded,
  outcomeSet,
  transcriptView,
} from './schemas/conversations';
import { hookReceived, inboundRouted, outboxPage, payloads, webchatAccepted } from './schemas/inbound';
import { journeyList, journeyView } from './schemas/journeys';
import { auditLogPage, requestLogPage } from './schemas/logs';
import { enrichmentSecretRotated, orgOffboarded, orgView, tokenIssued } from './schemas/org';
import { deliveryPage, endpointCreated, endpointList, endpointView, eventSchemas, replayed, secretRotated } from './schemas/webhooks';
import { keyCreated, keyList } from './schemas/keys';
import { legalHoldView } from './schemas/retention';
import { suppressionLifted, suppressionList, suppressionsAdded } from './schemas/suppressions';
import { suppressionAddSchema } from './routes/suppressions';
import { dsrCreated, dsrList, dsrView } from './schemas/data-subject-requests';
import { dsrCreateSchema } from './routes/data-subject-requests';

type Auth = 'bearer' | 'none' | 'visitor' | 'admin';

interface Op {
  body?: z.ZodType;
  status?: number;
  /** The zod schema the handler's answer is typed by; without one, any object. */
  response?: z.ZodType;
  /** The media type of a success that is not JSON. */
  produces?: 'text/csv' | 'text/html' | 'text/plain' | 'text/event-stream' | 'application/zip';
  auth?: Auth;
  /** 4xx statuses beyond those that follow from the route's shape (auth, body, path ids, Idempotency-Key). */
  errors?: number[];
  idempotent?: boolean;
}

/** One documented route. Adding a route to the API is one entry here; test/unit/api/openapi-routes.test.ts holds the two in step. */
export type Route = [method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, operationId: string, summary: string, op?: Op];

const journeyBody = z.strictObject({ name: z.string().min(1).max(200), definition: journeyShape });
const hook = { auth: 'none', errors: [401, 404] } as const;

export const routes = (config: Config): Route[] => [
  [
    'get',
    '/healthz',
    'getHealth',
    'Liveness, with database and Temporal readiness (503 when either is down)',
    { auth: 'none', response: health },
  ],
  ['get', '/openapi.json', 'getOpenApiDocument', 'This document', { auth: 'none' }],
  ['get', '/metrics', 'getMetrics', 'Prometheus metrics (Bearer METRICS_TOKEN when set)', { auth: 'admin', produces: 'text/plain' }],
  [
    'post',
    '/v1/auth/token',
    'createToken',
    'Exchange the API key (not a token: 403) for a 15-minute JWT, audience parley-api',
    { response: tokenIssued, status: 201, errors: [403] },
  ],
  ['get', '/v1/org', 'getOrg', "The caller's organisation settings", { response: orgView }],
  [
    'patch',
    '/v1/org',
    'updateOrg',
    'Change settings; null removes one (a retention period of null keeps that kind of data forever)',
    { response: orgView, body: orgPatchSchema, errors: [409] },
  ],
  [
    'post',
    '/v1/org/enrichment-secret/rotate',
    'rotateEnrichmentSecret',
    'A new enrichment signing secret, shown once; the current one signs until activatesAt (see README "Enrichment")',
    { response: enrichmentSecretRotated, body: enrichmentRotateSchema, errors: [409] },
  ],
  [
    'post',
    '/v1/org/offboard',
    'offboardOrg',
    'Offboard the organisation: its data keys are destroyed (crypto-shredding: every message body and note it sealed, backups included, becomes unreadable) and its API keys revoked; audited. Cannot be undone (see README "Encryption at rest")',
    { response: orgOffboarded, body: offboardSchema() },
  ],
  [
    'get',
    '/v1/keys',
    'listKeys',
    "The organisation's live API keys: prefix, name, role, created and last used (never the key)",
    { response: keyList },
  ],
  [
    'post',
    '/v1/keys',
    'createKey',
    'Create an API key with a role; the key is in this answer only',
    { body: keyCreateSchema, status: 201, response: keyCreated },
  ],
  [
    'delete',
    '/v1/keys/{id}',
    'revokeKey',
    "Revoke a key and its tokens within a second; 409 for the organisation's last admin key",
    { status: 204, errors: [409] },
  ],
  [
    'get',
    '/v1/request-log',
    'listRequestLog',
    'Requests to the API: time, key prefix, method, route template, status, latency (?after, ?limit)',
    { response: requestLogPage },
  ],
  [
    'get',
    '/v1/audit-log',
    'listAuditLog',
    'Key creations and revocations, failed authentications, retention and legal-hold changes (?from, ?to, ?actor, ?action, ?after, ?limit)',
    { response: auditLogPage },
  ],
  [
    'post',
    '/v1/data-subject-requests',
    'createDataSubjectRequest',
    'A data-subject request (access, portability, rectification, erasure, restriction, liftRestriction, objection) for one identity; runs as a workflow',
    { body: dsrCreateSchema, status: 201, response: dsrCreated, errors: [404, 422] },
  ],
  [
    'get',
    '/v1/data-subject-requests',
    'listDataSubjectRequests',
    "The organisation's data-subject requests, newest first (?limit)",
    { response: dsrList },
  ],
  ['get', '/v1/data-subject-requests/{id}', 'getDataSubjectRequest', 'One request and its lifecycle', { response: dsrView }],
  [
    'post',
    '/v1/data-subject-requests/{id}/cancel',
    'cancelDataSubjectRequest',
    'Cancel a request while it is pending; 409 once it has started',
    { response: dsrView, errors: [409] },
  ],
  [
    'get',
    '/v1/data-subject-requests/{id}/bundle',
    'getDataSubjectRequestBundle',
    'The export of an access or portability request: a zip of subject.json and CSV files (audited)',
    { produces: 'application/zip' },
  ],
  ['get', '/v1/webhooks/schemas', 'getEventSchemas', 'The JSON Schema of every event type, keyed by type', { response: eventSchemas }],
  ['get', '/v1/webhooks', 'listWebhooks', "The organisation's webhook endpoints (never their secrets)", { response: endpointList }],
  [
    'post',
    '/v1/webhooks',
    'createWebhook',
    'Subscribe an endpoint to event types; the signing secret is in this answer only',
    { response: endpointCreated, body: webhookCreateSchema, status: 201, errors: [422] },
  ],
  ['get', '/v1/webhooks/{id}', 'getWebhook', 'One endpoint: status, subscriptions, notices', { response: endpointView }],
  ['delete', '/v1/webhooks/{id}', 'deleteWebhook', 'Delete an endpoint and stop its deliveries', { status: 204 }],
  ['post', '/v1/webhooks/{id}/pause', 'pauseWebhook', 'Hold deliveries; events keep queueing', { response: endpointView }],
  ['post', '/v1/webhooks/{id}/resume', 'resumeWebhook', 'Deliver again, from where it paused', { response: endpointView }],
  [
    'post',
    '/v1/webhooks/{id}/rotate-secret',
    'rotateWebhookSecret',
    'A new signing secret; the old one signs too during the overlap',
    { response: secretRotated },
  ],
  [
    'get',
    '/v1/webhooks/{id}/deliveries',
    'listWebhookDeliveries',
    'Every delivery attempt: status, latency, response code and first bytes',
    { response: deliveryPage },
  ],
  [
    'post',
    '/v1/webhooks/{id}/replay',
    'replayWebhook',
    'Redeliver the subscribed events since a time, with their ids',
    { response: replayed, body: webhookReplaySchema, status: 202 },
  ],
  ['get', '/v1/journeys', 'listJourneys', 'List journeys', { response: journeyList }],
  [
    'post',
    '/v1/journeys',
    'createJourney',
    'Create a journey (version 1); invalid journeys are a 400 naming the step',
    { response: journeyView, body: journeyBody, status: 201 },
  ],
  ['get', '/v1/journeys/{id}', 'getJourney', 'A journey at its current version, or ?version=N', { response: journeyView }],
  [
    'put',
    '/v1/journeys/{id}',
    'updateJourney',
    'A new version; running conversations keep theirs',
    { response: journeyView, body: journeyBody },
  ],
  [
    'post',
    '/v1/campaigns',
    'createCampaign',
    'Start a campaign with JSON contacts, or with a contacts file as multipart/form-data (see README "Contact files")',
    { body: campaignSchema(config), status: 201, response: campaignCreated, idempotent: true, errors: [422] },
  ],
  [
    'post',
    '/v1/campaigns/{id}/contacts',
    'addCampaignContacts',
    'Add JSON contacts to a campaign that has not ended; a completed campaign runs again for them',
    { response: membersAdded, body: addContactsSchema(config), idempotent: true, errors: [409, 422] },
  ],
  [
    'get',
    '/v1/campaigns/{id}',
    'getCampaign',
    "Status, counts by state and by outcome, and the distribution of the live conversations' outcome-propensity scores",
    { response: campaignDetail },
  ],
  [
    'get',
    '/v1/campaigns/{id}/priorities',
    'getCampaignPriorities',
    "The live conversations most likely to reach the journey's targetOutcome, highest score first (?limit, default 50, at most 500)",
    { response: campaignPriorities },
  ],
  [
    'get',
    '/v1/campaigns/{id}/import-report',
    'getCampaignImportReport',
    "The rows of the campaign's contacts file that were not imported, as formula-safe CSV",
    { produces: 'text/csv' },
  ],
  [
    'post',
    '/v1/campaigns/{id}/pause',
    'pauseCampaign',
    'Stop starting conversations',
    { status: 202, response: campaignControlled, errors: [409] },
  ],
  ['post', '/v1/campaigns/{id}/resume', 'resumeCampaign', 'Start them again', { status: 202, response: campaignControlled, errors: [409] }],
  [
    'post',
    '/v1/campaigns/{id}/cancel',
    'cancelCampaign',
    'Never start the rest',
    { status: 202, response: campaignControlled, errors: [400, 409] },
  ],
  [
    'get',
    '/v1/suppressions',
    'listSuppressions',
    'The suppression list, newest first (?before, ?limit): hash prefix, channel kind, reason, created; never the address',
    { response: suppressionList },
  ],
  [
    'post',
    '/v1/suppressions',
    'addSuppressions',
    'Suppress an address or addresses, for one channel kind or all; adding one twice changes nothing',
    { body: suppressionAddSchema, response: suppressionsAdded, errors: [422] },
  ],
  [
    'delete',
    '/v1/suppressions',
    'liftSuppression',
    'Lift the suppression of an address (in the body or ?address), of one channel kind or all',
    { response: suppressionLifted, errors: [422] },
  ],
  [
    'post',
    '/v1/campaigns/{id}/legal-hold',
    'holdCampaign',
    'Put a campaign on legal hold: retention purges skip its conversations',
    { response: legalHoldView },
  ],
  ['delete', '/v1/campaigns/{id}/legal-hold', 'releaseCampaign', "Lift a campaign's legal hold", { response: legalHoldView }],
  [
    'post',
    '/v1/contacts/{id}/legal-hold',
    'holdContact',
    'Put a contact on legal hold: retention purges skip it and its conversations',
    { response: legalHoldView },
  ],
  ['delete', '/v1/contacts/{id}/legal-hold', 'releaseContact', "Lift a contact's legal hold", { response: legalHoldView }],
  [
    'post',
    '/v1/conversations',
    'createConversation',
    'Start one conversation with one contact',
    { response: conversationView, body: startSchema(config), status: 201, idempotent: true, errors: [409, 422] },
  ],
  [
    'get',
    '/v1/conversations/{id}',
    'getConversation',
    'State, with the live workflow query and the outcome-propensity score (or why there is none)',
    { response: conversationDetail },
  ],
  [
    'get',
    '/v1/conversations/{id}/transcript',
    'getConversationTranscript',
    'Messages in order with statuses; ?format=csv for CSV',
    { response: transcriptView },
  ],
  [
    'post',
    '/v1/conversations/{id}/messages',
    'sendConversationMessage',
    'An agent or API message',
    { response: messageSent, body: messageSchema, status: 201, idempotent: true, errors: [409] },
  ],
  [
    'post',
    '/v1/conversations/{id}/outcome',
    'setConversationOutcome',
    "Set the outcome (one of the organisation's)",
    { response: outcomeSet, body: outcomeSchema, errors: [409] },
  ],
  [
    'post',
    '/v1/conversations/{id}/notes',
    'addConversationNote',
    'Add an agent note',
    { response: noteAdded, body: noteSchema, status: 201 },
  ],
  [
    'post',
    '/v1/conversations/{id}/handoff',
    'handOffConversation',
    'An agent takes over; the bot pauses',
    { response: agentRequested, body: handoffSchema, status: 202, errors: [409] },
  ],
  [
    'post',
    '/v1/conversations/{id}/handback',
    'handBackConversation',
    'Back to the bot, at a named step or where it was',
    { response: agentRequested, body: handbackSchema, status: 202, errors: [409] },
  ],
  [
    'post',
    '/v1/conversations/{id}/close',
    'closeConversation',
    'End the conversation, optionally with an outcome',
    { response: agentRequested, body: closeSchema, status: 202, errors: [409] },
  ],
  [
    'post',
    '/v1/sandbox/{channelId}/inbound',
    'sendSandboxInbound',
    'A customer message on the sandbox channel',
    { response: inboundRouted, body: inboundSchema, status: 202 },
  ],
  [
    'get',
    '/v1/sandbox/{channelId}/outbox',
    'getSandboxOutbox',
    'What the sandbox channel sent (?address, ?after, ?limit)',
    { response: outboxPage },
  ],
  ['get', '/v1/channels', 'listChannels', 'List channels with their capabilities; secrets are never shown', { response: channelList }],
  ['get', '/v1/channels/{id}', 'getChannel', 'One channel; secrets are never shown', { response: channelView }],
  [
    'post',
    '/v1/channels',
    'createChannel',
    "Add a channel; its config is checked against the kind's provider, its secrets stored encrypted",
    { response: channelView, body: channelCreateSchema(), status: 201 },
  ],
  [
    'patch',
    '/v1/channels/{id}',
    'updateChannel',
    'Rename, or change some config fields; a secret given replaces the stored one',
    { response: channelView, body: channelPatchSchema() },
  ],
  [
    'delete',
    '/v1/channels/{id}',
    'deleteChannel',
    'Soft-delete a channel (204); 409 while live conversations use it',
    { status: 204, errors: [409] },
  ],
  [
    'post',
    '/hooks/whatsapp',
    'receiveWhatsAppHook',
    "WhatsApp Cloud API's app-level webhook, routed by the body's phone_number_id; signed with X-Hub-Signature-256 (no API key)",
    { response: hookReceived, ...hook, errors: [400, 401, 413, 415] },
  ],
  [
    'post',
    '/hooks/{channelId}',
    'receiveProviderHook',
    "A provider's webhook: inbound messages and status callbacks, in the provider's format, signed the provider's way " +
      '(Twilio: X-Twilio-Signature; Meta: X-Hub-Signature-256; no API key)',
    { response: hookReceived, ...hook, errors: [400, 401, 404, 413, 415] },
  ],
  [
    'get',
    '/hooks/{channelId}',
    'verifyProviderHook',
    "A provider's subscription check (WhatsApp: hub.verify_token, answered with hub.challenge as text, or 403)",
    { auth: 'none', produces: 'text/plain', errors: [403, 404] },
  ],
  [
    'get',
    '/webchat/{channelId}',
    'getWebChatPage',
    "The web chat page (HTML) for a webchat channel; sets the visitor's cookie",
    { auth: 'none', produces: 'text/html', errors: [404] },
  ],
  [
    'post',
    '/webchat/{channelId}/messages',
    'sendWebChatMessage',
    "A visitor's message (the page's cookie; JSON from the page's own origin); `id` makes a retry a no-op",
    { response: webchatAccepted, auth: 'visitor', body: webchatMessageSchema, status: 202, errors: [403, 404, 429] },
  ],
  [
    'get',
    '/webchat/{channelId}/events',
    'streamWebChatEvents',
    "The visitor's messages and the answers as Server-Sent Events, after Last-Event-ID or ?after",
    { auth: 'visitor', produces: 'text/event-stream', errors: [404, 429] },
  ],
  [
    'post',
    '/codec/decode',
    'decodePayloads',
    'Decrypt payloads for the Temporal UI (404 when PARLEY_ADMIN_TOKEN is unset)',
    { response: payloads, auth: 'admin', body: payloadsSchema, errors: [404] },
  ],
  [
    'post',
    '/codec/encode',
    'encodePayloads',
    'Encrypt payloads for the Temporal UI (404 when PARLEY_ADMIN_TOKEN is unset)',
    { response: payloads, auth: 'admin', body: payloadsSchema, errors: [404] },
  ],
];

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request: `errors[]` names each failing field',
  401: 'Missing or invalid credentials',
  403: 'Not allowed with these credentials',
  404: 'Not found (also for an id of another organisation, or not a uuid)',
  409: 'Conflicts with the current state, or an Idempotency-Key request still in progress',
  413: 'The body is over the size limit',
  415: 'The body is not of a supported media type',
  422: 'Refers to something that does not exist (`errors[]` names the field), or an Idempotency-Key reused with another request',
  429: 'Too many requests; retry later',
};
const SECURITY: Record<Auth, object[]> = { bearer: [{ bearer: [] }], none: [], visitor: [{ visitor: [] }], admin: [{ adminToken: [] }] };
const idempotencyKey = { $ref: '#/components/parameters/IdempotencyKey' };
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

function operation([method, path, operationId, summary, op = {}]: Route) {
  const auth = op.auth ?? 'bearer';
  const params: object[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', format: 'uuid' },
  }));
  if (op.idempotent) params.push(idempotencyKey);
  const errors = new Set(op.errors);
  if (auth !== 'none') errors.add(401);
  if (op.body) [400, 413, 415].forEach((s) => errors.add(s));
  if (params.length > (op.idempotent ? 1 : 0)) errors.add(404);
  if (op.idempotent) [409, 422].forEach((s) => errors.add(s));
  if (errors.size === 0) errors.add(400);
  const status = op.status ?? 200;
  const success =
    status === 204
      ? { description: 'Done; no content' }
      : {
          description: 'Success',
          content: op.produces
            ? { [op.produces]: { schema: { type: 'string' } } }
            : { 'application/json': { schema: jsonSchema(op.response ?? someObject, 'output') } },
        };
  const responses: Record<string, object> = { [status]: success };
  for (const s of [...errors].sort()) responses[s] = { $ref: `#/components/responses/Problem${s}` };
  return {
    operationId,
    summary,
    security: SECURITY[auth],
    ...(ROUTE_ROLES[`${method} ${path}`] ? { 'x-required-role': ROUTE_ROLES[`${method} ${path}`] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } } : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document: request bodies from the zod schemas the handlers validate with, answers from those
 * they answer with. `eventData` maps each event type to its `data` schema, for the `webhooks` section.
 */
export function openApiDocument(config: Config, serverUrl = config.PUBLIC_URL, eventData: Record<EventType, z.ZodType> = EVENT_DATA) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes(config)) (paths[route[1]] ??= {})[route[0]] = operation(route);
  const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley',
      version: '0.1.0',
      description:
        'Durable automated customer conversations. Authenticate with `Authorization: Bearer <api key or token>`. ' +
        'Every error is an RFC 9457 problem (application/problem+json). Provider webhooks under /hooks are not ' +
        "authenticated by a key but by the provider's signature over the raw body.",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: serverUrl ?? `http://localhost:${config.PORT ?? 3000}`, description: 'This API' }],
    security: SECURITY.bearer,
    paths,
    webhooks: webhooksSection(eventData),
    components: {
      schemas: { Problem: jsonSchema(problem, 'output') },
      responses: Object.fromEntries(
        Object.entries(STATUS_TEXT).map(([s, description]) => [`Problem${s}`, { description, content: problemContent }]),
      ),
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Makes a retry of the same request answer as the first did, without doing it twice',
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
        },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key, or a JWT from POST /v1/auth/token' },
        visitor: { type: 'apiKey', in: 'cookie', name: VISITOR_COOKIE, description: "The web chat visitor's cookie, set by the chat page" },
        adminToken: { type: 'http', scheme: 'bearer', description: 'PARLEY_ADMIN_TOKEN (codec) or METRICS_TOKEN (metrics)' },
      },
    },
  };
}
