import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import {
  CampaignIdKey,
  ChannelKey,
  JourneyIdKey,
  OrgIdKey,
  cancelSignal,
  campaignWorkflowId,
  conversationWorkflowId,
  pauseSignal,
  resumeSignal,
} from '../../workflows/contracts';
import { caller } from '../auth';
import { type ContactLimits, contactSchema, normaliseContacts, upsertContacts } from '../contacts';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { channelFor, journeyFor, orgSettings, pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import { startOrUndo } from '../start';


const BATCH = 1000;

/** A campaign with JSON contacts, at most `MAX_JSON_CONTACTS` of them. */
export const campaignSchema = (limits: ContactLimits & { MAX_JSON_CONTACTS: number }) => {
  const max = limits.MAX_JSON_CONTACTS;
  return z.strictObject({
    name: z.string().min(1).max(200).optional(),
    journeyId: z.string(),
    channelId: z.string(),
    contacts: z.array(contactSchema(limits)).min(1).max(max, `at most ${max} contacts in one JSON body; upload a file for more`),
  });
};

export function campaignsRouter({ config, db, temporal }: ApiDeps): Router {
  const router = Router();
  const createSchema = campaignSchema(config);

  router.post('/', idempotent(db, config.IDEMPOTENCY_TTL_HOURS, async (req, res) => {
    const { orgId } = caller(req);
    const body = parse(createSchema, req.body);
    const channel = await channelFor(db, orgId, body.channelId);
    const journey = await journeyFor(db, orgId, body.journeyId);
    const settings = await orgSettings(db, orgId);
    const { rows, duplicates } = normaliseContacts(channel.kind, settings.defaultCountry, body.contacts);

    const campaign = await db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto('campaigns')
        .values({
          org_id: orgId,
          name: body.name ?? `Campaign ${new Date().toISOString()}`,
          journey_id: journey.id,
          journey_version: journey.current_version,
          channel_id: channel.id,
          status: 'created',
          total: rows.length,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const contactIds = await upsertContacts(trx, orgId, channel.id, rows, config.MAX_CONTACT_FIELDS);
      for (let i = 0; i < contactIds.length; i += BATCH) {
        await trx
          .insertInto('conversations')
          .values(
            contactIds.slice(i, i + BATCH).map((contactId, j) => {
              const id = randomUUID();
              return {
              id,
              org_id: orgId,
              campaign_id: created.id,
              campaign_seq: i + j + 1,
              contact_id: contactId,
              channel_id: channel.id,
              journey_id: journey.id,
              journey_version: journey.current_version,
              workflow_id: conversationWorkflowId(id),
              status: 'pending' as const,
            };
            }),
          )
          .execute();
      }
      return created;
    });

    await startOrUndo(
      () =>
        temporal.workflow.start('campaign', {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: campaignWorkflowId(campaign.id),
          args: [{ campaignId: campaign.id, orgId, window: config.CAMPAIGN_WINDOW, runLimit: config.CAMPAIGN_RUN_LIMIT }],
          typedSearchAttributes: [
            { key: OrgIdKey, value: orgId },
            { key: CampaignIdKey, value: campaign.id },
            { key: JourneyIdKey, value: journey.id },
            { key: ChannelKey, value: channel.kind },
          ],
        }),
      () => db.deleteFrom('campaigns').where('id', '=', campaign.id).execute(),
    );
    res
      .status(201)
      .location(`/v1/campaigns/${campaign.id}`)
      .json({ ...(await describe(campaign.id, orgId)), duplicatesSkipped: duplicates });
  }));

  async function describe(campaignId: string, orgId: string) {
    const campaign = await db.selectFrom('campaigns').selectAll().where('id', '=', campaignId).where('org_id', '=', orgId).executeTakeFirst();
    if (!campaign) throw notFound('campaign');
    const byStatus = await db
      .selectFrom('conversations')
      .select(['status', 'outcome', sql<number>`count(*)::int`.as('n')])
      .where('campaign_id', '=', campaignId)
      .groupBy(['status', 'outcome'])
      .execute();
    const counts: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    for (const row of byStatus) {
      counts[row.status] = (counts[row.status] ?? 0) + row.n;
      if (row.outcome) outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + row.n;
    }
    return {
      id: campaign.id,
      name: campaign.name,
      status: campaign.status,
      journeyId: campaign.journey_id,
      journeyVersion: campaign.journey_version,
      channelId: campaign.channel_id,
      total: campaign.total,
      counts,
      outcomes,
      createdAt: campaign.created_at,
      completedAt: campaign.completed_at,
      workflowId: campaignWorkflowId(campaign.id),
    };
  }

  router.get('/:id', async (req, res) => {
    res.json(await describe(pathId(req.params.id, 'campaign'), caller(req).orgId));
  });

  const controls = { pause: pauseSignal, resume: resumeSignal, cancel: cancelSignal } as const;
  for (const [action, signal] of Object.entries(controls)) {
    router.post(`/:id/${action}`, async (req, res) => {
      const view = await describe(pathId(req.params.id, 'campaign'), caller(req).orgId);
      if (view.status === 'completed' || view.status === 'cancelled') {
        throw new HttpError(409, 'Conflict', `campaign is ${view.status}; it cannot be ${action}d`);
      }
      await temporal.workflow.getHandle(campaignWorkflowId(view.id)).signal(signal);
      res.status(202).json({ ...view, requested: action });
    });
  }

  return router;
}

