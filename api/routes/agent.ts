import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { SYSTEM_OUTCOMES, closeSignal, handbackSignal, handoffSignal, outcomeSignal } from '../../workflows/contracts';
import type { Journey } from '../../workflows/journey';
import { changeConversation, findConversation } from '../../db/conversations';
import { findJourneyVersion } from '../../db/journeys';
import { isLive } from '../../db/tables/conversation.table';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { orgSettings } from '../../db/orgs';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';

export const outcomeSchema = z.strictObject({ outcome: z.string().min(1).max(100) });
export const noteSchema = z.strictObject({ text: z.string().trim().min(1, 'must not be empty').max(4096) });
export const handoffSchema = z.strictObject({ reason: z.string().max(500).optional() });
export const handbackSchema = z.strictObject({ stepId: z.string().min(1).max(64).optional() });
export const closeSchema = z.strictObject({ outcome: z.string().min(1).max(100).optional() });

/** What an agent does to a conversation: outcome, notes, hand-off, hand-back, close. */
export function agentRouter({ db, temporal }: ApiDeps): Router {
  const router = Router();

  const load = async (orgId: string, raw: string | string[] | undefined) => {
    const row = await findConversation(db, orgId, pathId(raw, 'conversation'));
    if (!row) throw notFound('conversation');
    return row;
  };
  const live = (row: { status: string }) => {
    if (!isLive(row.status)) throw new HttpError(409, 'Conflict', `conversation is ${row.status}`);
  };
  const checkOutcome = async (orgId: string, outcome: string) => {
    const allowed = new Set<string>([...(await orgSettings(db, orgId)).outcomes, ...SYSTEM_OUTCOMES]);
    if (!allowed.has(outcome))
      throw new HttpError(400, 'Invalid request', `outcome: "${outcome}" is not one of the organisation's outcomes`, [
        { field: 'outcome', message: 'unknown outcome' },
      ]);
  };
  const signal = async (workflowId: string, send: (h: ReturnType<typeof temporal.workflow.getHandle>) => Promise<void>) => {
    try {
      await send(temporal.workflow.getHandle(workflowId));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'Conflict', 'conversation has ended');
      throw err;
    }
  };

  router.post('/:id/outcome', async (req, res) => {
    const { orgId } = caller(req);
    const row = await load(orgId, req.params.id);
    const { outcome } = parse(outcomeSchema, req.body);
    await checkOutcome(orgId, outcome);
    await changeConversation(db, { id: row.id }, { outcome });
    if (isLive(row.status)) await signal(row.workflow_id, (h) => h.signal(outcomeSignal, { outcome }));
    res.json({ id: row.id, outcome });
  });

  router.post('/:id/notes', async (req, res) => {
    const row = await load(caller(req).orgId, req.params.id);
    const { text } = parse(noteSchema, req.body);
    const [updated] = await changeConversation(db, { id: row.id }, { note: text });
    res.status(201).json({ id: row.id, notes: updated.notes });
  });

  router.post('/:id/handoff', async (req, res) => {
    const row = await load(caller(req).orgId, req.params.id);
    const body = parse(handoffSchema, req.body);
    live(row);
    await signal(row.workflow_id, (h) => h.signal(handoffSignal, body));
    res.status(202).json({ id: row.id, requested: 'handoff' });
  });

  router.post('/:id/handback', async (req, res) => {
    const row = await load(caller(req).orgId, req.params.id);
    const body = parse(handbackSchema, req.body);
    live(row);
    if (body.stepId) {
      const version = await findJourneyVersion(db, row.journey_id, row.journey_version);
      if (!version) throw new Error("the conversation's journey version is missing");
      const steps = (version.definition as unknown as Journey).steps.map((s) => s.id);
      if (!steps.includes(body.stepId))
        throw new HttpError(400, 'Invalid request', `stepId: no step "${body.stepId}" in journey version ${row.journey_version}`, [
          { field: 'stepId', message: 'no such step' },
        ]);
    }
    await signal(row.workflow_id, (h) => h.signal(handbackSignal, body));
    res.status(202).json({ id: row.id, requested: 'handback' });
  });

  router.post('/:id/close', async (req, res) => {
    const { orgId } = caller(req);
    const row = await load(orgId, req.params.id);
    const body = parse(closeSchema, req.body);
    live(row);
    if (body.outcome) await checkOutcome(orgId, body.outcome);
    await signal(row.workflow_id, (h) => h.signal(closeSignal, { outcome: body.outcome, reason: 'agent' }));
    res.status(202).json({ id: row.id, requested: 'close' });
  });

  return router;
}
