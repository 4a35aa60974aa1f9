import { Router } from 'express';
import { z } from 'zod';
import {
  WORKFLOW,
  cancelSignal,
  campaignSearchAttributes,
  campaignWorkflowId,
  conversationWorkflowId,
  pauseSignal,
  resumeSignal,
} from '../../workflows/contracts';
import { caller } from '../auth';
import { campaignCounts, createCampaign, deleteCampaign, findCampaign } from '../../db/campaigns';
import type { ChannelKind } from '../../channels';
import { type NormalisedContact, normaliseContacts } from '../../platform/contacts';
import type { Rejection } from '../../platform/import/contacts';
import { importCampaign, importReport } from './campaign-import';
import { type ContactLimits, contactSchema } from '../contacts';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { orgSettings } from '../../db/orgs';
import { channelFor, journeyFor } from '../../platform/lookups';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import { startOrUndo } from '../start';

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

/** What starting a campaign needs, whether its contacts came as JSON or in a file. */
export type Launch = (input: {
  orgId: string;
  name?: string;
  journey: { id: string; current_version: number };
  channel: { id: string; kind: ChannelKind };
  contacts: NormalisedContact[];
  rejections?: Rejection[];
}) => Promise<{ id: string }>;

export function campaignsRouter(deps: ApiDeps): Router {
  const { config, db, temporal } = deps;
  const router = Router();
  const createSchema = campaignSchema(config);

  /** Stores a campaign with its members (and an import's rejected rows), then starts its workflow; undone if that fails. */
  const launch: Launch = async ({ orgId, name, journey, channel, contacts, rejections }) => {
    const campaign = await createCampaign(db, {
      orgId,
      name: name ?? `Campaign ${new Date().toISOString()}`,
      journey,
      channelId: channel.id,
      contacts,
      rejections,
      maxContactFields: config.MAX_CONTACT_FIELDS,
      workflowIdOf: conversationWorkflowId,
    });
    await startOrUndo(
      () =>
        temporal.workflow.start(WORKFLOW.campaign, {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: campaignWorkflowId(campaign.id),
          args: [{ campaignId: campaign.id, orgId, window: config.CAMPAIGN_WINDOW, runLimit: config.CAMPAIGN_RUN_LIMIT }],
          typedSearchAttributes: campaignSearchAttributes({
            orgId,
            campaignId: campaign.id,
            journeyId: journey.id,
            channelKind: channel.kind,
          }),
        }),
      () => deleteCampaign(db, campaign.id),
    );
    return campaign;
  };

  // A contacts file; the JSON body below is the other way in.
  const fromFile = importCampaign(deps, launch, (id, orgId) => describe(id, orgId));
  router.post('/', (req, res, next) => (req.is('multipart/form-data') ? fromFile(req, res) : next()));
  router.get('/:id/import-report', importReport(db));

  router.post(
    '/',
    idempotent(db, config.IDEMPOTENCY_TTL_HOURS, async (req, res) => {
      const { orgId } = caller(req);
      const body = parse(createSchema, req.body);
      const channel = await channelFor(db, orgId, body.channelId);
      const journey = await journeyFor(db, orgId, body.journeyId);
      const settings = await orgSettings(db, orgId);
      const { rows, duplicates } = normaliseContacts(channel.kind, settings.defaultCountry, body.contacts);
      const campaign = await launch({ orgId, name: body.name, journey, channel, contacts: rows });
      res
        .status(201)
        .location(`/v1/campaigns/${campaign.id}`)
        .json({ ...(await describe(campaign.id, orgId)), duplicatesSkipped: duplicates });
    }),
  );

  async function describe(campaignId: string, orgId: string) {
    const campaign = await findCampaign(db, orgId, campaignId);
    if (!campaign) throw notFound('campaign');
    const byStatus = await campaignCounts(db, campaignId);
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
