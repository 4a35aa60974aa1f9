import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { agentMessageUpdate, conversationStateQuery } from '../../workflows/contracts';
import { isLive } from '../../db/tables/conversation.table';
import { caller } from '../auth';
import { upsertContacts } from '../../db/contacts';
import { type BlockReason, blockedAddresses } from '../../db/suppressions';
import { type ConversationRow, findConversation, openNotes } from '../../db/conversations';
import { transcript } from '../../db/messages';
import { recordAudit } from '../../db/audit';
import { normaliseContacts } from '../../platform/contacts';
import { type ContactLimits, contactSchema } from '../contacts';
import { startConversation } from '../start-conversation';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { orgSettings } from '../../db/orgs';
import { channelFor, journeyFor } from '../../platform/lookups';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import type { TranscriptView } from '../schemas/conversations';
import { iso } from '../schemas/common';
import { conversationPropensity } from '../../platform/propensity/service';

export const startSchema = (limits: ContactLimits) =>
  z.strictObject({
    journeyId: z.string(),
    channelId: z.string(),
    contact: contactSchema(limits),
  });
export const messageSchema = z.strictObject({
  text: z.string().trim().min(1, 'must not be empty').max(4096),
  author: z.enum(['agent', 'api']).default('agent'),
});

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const BLOCKED: Record<BlockReason, [title: string, detail: string]> = {
  suppressed: ['Suppressed', 'the address is on the suppression list'],
  restricted: ['Restricted', 'the contact is restricted from processing'],
  optedOut: ['Opted out', 'the contact has opted out on this channel'],
};

/** 409 and nothing started; the error's message is the reason's code, for clients to branch on. */
function blockedProblem(reason: BlockReason) {
  const [title, detail] = BLOCKED[reason];
  return new HttpError(409, title, detail, [{ field: 'contact.address', message: reason }]);
}

export function conversationsRouter(deps: ApiDeps): Router {
  const { db, temporal, config } = deps;
  const router = Router();
  const createSchema = startSchema(config);
  const once = (handler: Parameters<typeof idempotent>[2]) => idempotent(db, config.IDEMPOTENCY_TTL_HOURS, handler);

  const load = async (orgId: string, id: string) => {
    const row = await findConversation(db, orgId, id);
    if (!row) throw notFound('conversation');
    return { ...row, notes: await openNotes(db, orgId, row.notes) };
  };
  // Reads of what a person said and what agents noted about them leave a trace: ids only.
  const auditRead = (req: Parameters<typeof caller>[0], action: string, conversationId: string) => {
    const c = caller(req);
    return recordAudit(db, {
      orgId: c.orgId,
      actor: c.keyPrefix,
      actorKeyId: c.keyId,
      ip: req.ip,
      action,
      target: conversationId,
      result: 'ok',
    });
  };
  const view = (row: ConversationRow) => ({
    id: row.id,
    status: row.status,
    outcome: row.outcome,
    step: row.step,
    notes: row.notes,
    campaignId: row.campaign_id,
    contactId: row.contact_id,
    channelId: row.channel_id,
    journeyId: row.journey_id,
    journeyVersion: row.journey_version,
    workflowId: row.workflow_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  });

  router.post(
    '/',
    once(async (req, res) => {
      const { orgId } = caller(req);
      const body = parse(createSchema, req.body);
      const channel = await channelFor(db, orgId, body.channelId);
      const journey = await journeyFor(db, orgId, body.journeyId);
      const settings = await orgSettings(db, orgId);
      const { rows } = normaliseContacts(channel.kind, settings.defaultCountry, [body.contact], 'contact');
      const scope = { orgId, channelId: channel.id, channelKind: channel.kind };
      const reason = (await blockedAddresses(db, deps.hashKey, scope, [rows[0].address])).get(rows[0].address);
      if (reason) throw blockedProblem(reason);
      const [contactId] = await upsertContacts(db, orgId, channel.id, rows, config.MAX_CONTACT_FIELDS);
      const row = await startConversation(deps, { orgId, channel, journey, contactId });
      res.status(201).location(`/v1/conversations/${row.id}`).json(view(row));
    }),
  );

  router.get('/:id', async (req, res) => {
    const row = await load(caller(req).orgId, pathId(req.params.id, 'conversation'));
    await auditRead(req, 'conversation.read', row.id);
    let live: unknown;
    if (isLive(row.status)) {
      live = await temporal.workflow
        .getHandle(row.workflow_id)
        .query(conversationStateQuery)
        .catch(() => undefined);
    }
    // Each outbound message's delivery, as the provider last reported it; the texts are in the transcript.
    const outbound = (await transcript(db, row.id))
      .filter((m) => m.direction === 'out')
      .map((m) => ({ id: m.id, step: m.step, status: m.status, statusAt: m.status_at, error: m.error, errorCode: m.error_code }));
    const propensity = await conversationPropensity(db, row, config.PROPENSITY_MIN_CONVERSATIONS);
    res.json({ ...view(row), live, outbound, ...propensity });
  });

  router.get('/:id/transcript', async (req, res) => {
    const row = await load(caller(req).orgId, pathId(req.params.id, 'conversation'));
    await auditRead(req, 'transcript.read', row.id);
    const messages = await transcript(db, row.id);
    const items = messages.map((m) => ({
      id: m.id,
      direction: m.direction,
      author: m.author,
      text: m.body,
      status: m.status,
      statusAt: iso(m.status_at),
      step: m.step,
      error: m.error,
      errorCode: m.error_code,
      sentiment: m.sentiment,
      intent: m.intent,
      intentScore: m.intent_score,
      createdAt: iso(m.created_at),
      updatedAt: iso(m.updated_at),
    }));
    if (req.query.format === 'csv') {
      const header = ['id', 'createdAt', 'direction', 'author', 'status', 'text'];
      const lines = items.map((m) => [m.id, m.createdAt, m.direction, m.author, m.status, m.text].map(csvCell).join(','));
      res.type('text/csv').send([header.join(','), ...lines].join('\r\n') + '\r\n');
      return;
    }
    res.json({ conversationId: row.id, status: row.status, outcome: row.outcome, messages: items } satisfies TranscriptView);
  });

  router.post(
    '/:id/messages',
    once(async (req, res) => {
      const row = await load(caller(req).orgId, pathId(req.params.id, 'conversation'));
      const body = parse(messageSchema, req.body);
      // The key (checked by `once`) doubles as the update id, so Temporal also runs a retried update once.
      const requestId = req.get('idempotency-key') ?? randomUUID();
      if (!isLive(row.status)) {
        throw new HttpError(409, 'Conflict', `conversation is ${row.status}; no message can be sent into it`);
      }
      try {
        const sent = await temporal.workflow
          .getHandle(row.workflow_id)
          .executeUpdate(agentMessageUpdate, { args: [{ requestId, text: body.text, author: body.author }], updateId: requestId });
        res.status(201).json({ messageId: sent.messageId, conversationId: row.id });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) {
          throw new HttpError(409, 'Conflict', 'conversation is not accepting messages');
        }
        throw err;
      }
    }),
  );

  return router;
}
