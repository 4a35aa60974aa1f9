import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import {
  WORKFLOW,
  cancelSignal,
  campaignSearchAttributes,
  campaignWorkflowId,
  conversationWorkflowId,
  type CampaignInput,
  importWorkflowId,
  membersAddedSignal,
  pauseSignal,
  resumeSignal,
} from '../../workflows/contracts';
import { caller } from '../auth';
import { campaignCounts, campaignForRun, createCampaign, deleteCampaign, findCampaign, stateCounts } from '../../db/campaigns';
import type { ChannelKind } from '../../channels';
import { type NormalisedContact, normaliseContacts } from '../../platform/contacts';
import type { Mapping, Rejection } from '../../platform/import/contacts';
import { importCampaign, importReport } from './campaign-import';
import { type ContactLimits, contactSchema } from '../contacts';
import type { ApiDeps } from '../deps';
import { idempotent } from '../idempotency';
import { orgSettings } from '../../db/orgs';
import { blockedAddresses } from '../../db/suppressions';
import { createImportingCampaign, importView } from '../../db/imports';
import { channelFor, journeyFor } from '../../platform/lookups';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import { startOrUndo } from '../start';
import {
  type CampaignControlled,
  type CampaignCreated,
  type CampaignDetail,
  type CampaignPriorities,
  type CampaignView,
  type MembersAdded,
} from '../schemas/campaigns';
import { campaignPriorities, currentModel } from '../../db/propensity';
import { campaignPropensity, noScoreReason } from '../../platform/propensity/service';
import { addCampaignMembers } from '../../db/campaign-members';
import { iso } from '../schemas/common';

/** A campaign with JSON contacts, at most `MAX_JSON_CONTACTS` of them. */
export const campaignSchema = (limits: ContactLimits & { MAX_JSON_CONTACTS: number }) => {
  const max = limits.MAX_JSON_CONTACTS;
  return z.strictObject({
    name: z.string().min(1).max(200).optional(),
    journeyId: z.string(),
    channelId: z.string(),
    contacts: z.array(contactSchema(limits)).min(1).max(max, `at most ${max} contacts in one JSON body; upload a file for more`),
    ...controlsSchema.shape,
  });
};

/** More JSON contacts for a campaign. */
export const addContactsSchema = (limits: ContactLimits & { MAX_JSON_CONTACTS: number }) =>
  z.strictObject({
    contacts: z
      .array(contactSchema(limits))
      .min(1)
      .max(limits.MAX_JSON_CONTACTS, `at most ${limits.MAX_JSON_CONTACTS} contacts in one JSON body`),
  });

const MAX_START_DAYS = 366;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:MM');

/** How a campaign runs: when it starts, how fast, and the recipients' local hours for bot messages. */
export const controlsSchema = z.object({
  startAt: z.iso
    .datetime({ offset: true, message: 'expected an ISO 8601 date and time with an offset' })
    // Not a date at all is the format's error alone.
    .refine((t) => !(Date.parse(t) >= Date.now() + MAX_START_DAYS * 86_400_000), `at most ${MAX_START_DAYS} days ahead`)
    .optional(),
  ratePerMinute: z.number().int().min(1).max(100_000).optional(),
  purpose: z.enum(['service', 'marketing']).optional(),
  sendWindow: z
    .strictObject({
      from: clock,
      to: clock,
      days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
    })
    .refine((w) => w.from !== w.to, 'from and to must differ')
    .optional(),
});

type Controls = z.infer<typeof controlsSchema>;

const cancelSchema = z.strictObject({ endRunning: z.boolean().optional() });
export const prioritiesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
// How long a cancel with endRunning waits for a campaign's last run to close.
const FINISHING_WAIT_MS = 10_000;

/** What starting a campaign needs, whether its contacts came as JSON or in a file. */
export type Launch = (input: {
  orgId: string;
  name?: string;
  journey: { id: string; current_version: number };
  channel: { id: string; kind: ChannelKind };
  contacts: NormalisedContact[];
  rejections?: Rejection[];
  controls?: Controls;
}) => Promise<{ id: string }>;

/** Starting the batched import of a large contacts file into a new campaign. */
export type LaunchImport = (input: {
  orgId: string;
  name?: string;
  journey: { id: string; current_version: number };
  channel: { id: string; kind: ChannelKind };
  mapping: Mapping;
  defaultCountry: string;
  filePath: string;
  controls?: Controls;
}) => Promise<{ id: string }>;

export function campaignsRouter(deps: ApiDeps): Router {
  const { config, db, temporal } = deps;
  const router = Router();
  const createSchema = campaignSchema(config);

  /** The controls as the campaign row keeps them. */
  const stored = (controls: Controls) => ({
    startAt: controls.startAt ? new Date(controls.startAt) : undefined,
    ratePerMinute: controls.ratePerMinute,
    sendWindow: controls.sendWindow,
    purpose: controls.purpose,
  });
  /** How the campaign workflow runs, whichever workflow starts it. */
  const runArgs = (controls: Controls) => ({
    window: config.CAMPAIGN_WINDOW,
    runLimit: config.CAMPAIGN_RUN_LIMIT,
    ...(controls.startAt ? { startAt: new Date(controls.startAt).toISOString() } : {}),
    ...(controls.ratePerMinute ? { ratePerMinute: controls.ratePerMinute } : {}),
  });
  /** Starts the campaign's first workflow; the stored campaign is removed if that fails. */
  const startFor = (
    campaign: { id: string },
    on: { orgId: string; journeyId: string; channelKind: ChannelKind },
    workflow: string,
    workflowId: string,
    args: object,
  ) =>
    startOrUndo(
      () =>
        temporal.workflow.start(workflow, {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId,
          args: [args],
          typedSearchAttributes: campaignSearchAttributes({ ...on, campaignId: campaign.id }),
        }),
      () => deleteCampaign(db, campaign.id),
    );

  /** Stores a campaign with its members (and an import's rejected rows), then starts its workflow; undone if that fails. */
  const launch: Launch = async ({ orgId, name, journey, channel, contacts, rejections, controls = {} }) => {
    const campaign = await createCampaign(db, {
      orgId,
      name: name ?? `Campaign ${new Date().toISOString()}`,
      journey,
      channelId: channel.id,
      contacts,
      rejections,
      maxContactFields: config.MAX_CONTACT_FIELDS,
      workflowIdOf: conversationWorkflowId,
      ...stored(controls),
    });
    const on = { orgId, journeyId: journey.id, channelKind: channel.kind };
    await startFor(campaign, on, WORKFLOW.campaign, campaignWorkflowId(campaign.id), {
      campaignId: campaign.id,
      orgId,
      ...runArgs(controls),
    });
    return campaign;
  };

  /** Stores the campaign (importing) with its file, then starts the workflow that imports it; undone if that fails. */
  const launchImport: LaunchImport = async ({ orgId, name, journey, channel, mapping, defaultCountry, filePath, controls = {} }) => {
    const campaign = await createImportingCampaign(db, {
      orgId,
      name: name ?? `Campaign ${new Date().toISOString()}`,
      journey,
      channelId: channel.id,
      mapping,
      defaultCountry,
      filePath,
      ...stored(controls),
    });
    const limits = {
      maxContactFields: config.MAX_CONTACT_FIELDS,
      maxFieldChars: config.MAX_FIELD_CHARS,
      maxUnpackedBytes: config.IMPORT_MAX_UNPACKED_BYTES,
    };
    const on = { orgId, journeyId: journey.id, channelKind: channel.kind };
    await startFor(campaign, on, WORKFLOW.importCampaign, importWorkflowId(campaign.id), {
      campaignId: campaign.id,
      orgId,
      limits,
      ...runArgs(controls),
    });
    return campaign;
  };

  // A contacts file; the JSON body below is the other way in.
  const fromFile = importCampaign(deps, launch, launchImport, (id, orgId) => describe(id, orgId));
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
      const normalised = normaliseContacts(channel.kind, settings.defaultCountry, body.contacts);
      const { duplicates } = normalised;
      // A suppressed person (an erased one, say) is not recreated: their row never becomes a contact.
      const blocked = await blockedAddresses(
        db,
        deps.hashKey,
        { orgId, channelId: channel.id, channelKind: channel.kind },
        normalised.rows.map((r) => r.address),
      );
      const rows = normalised.rows.filter((r) => blocked.get(r.address) !== 'suppressed');
      const { startAt, ratePerMinute, sendWindow, purpose } = body;
      const campaign = await launch({
        orgId,
        name: body.name,
        journey,
        channel,
        contacts: rows,
        controls: { startAt, ratePerMinute, sendWindow, purpose },
      });
      res
        .status(201)
        .location(`/v1/campaigns/${campaign.id}`)
        .json({ ...(await describe(campaign.id, orgId)), duplicatesSkipped: duplicates } satisfies CampaignCreated);
    }),
  );

  async function describe(campaignId: string, orgId: string): Promise<CampaignView> {
    let campaign = await findCampaign(db, orgId, campaignId);
    if (!campaign) throw notFound('campaign');
    const [byStatus, imported] = await Promise.all([campaignCounts(db, campaignId), importView(db, campaignId)]);
    // An import that ended between the two reads ended the campaign's importing too: show both as they now are.
    if (campaign.status === 'importing' && imported && imported.status !== 'importing') {
      campaign = (await findCampaign(db, orgId, campaignId)) ?? campaign;
    }
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
      progress: stateCounts(byStatus),
      outcomes,
      startAt: iso(campaign.start_at),
      ratePerMinute: campaign.rate_per_minute,
      sendWindow: campaign.send_window,
      createdAt: iso(campaign.created_at),
      completedAt: iso(campaign.completed_at),
      workflowId: campaignWorkflowId(campaign.id),
      ...(imported ? { import: imported } : {}),
    };
  }

  router.get('/:id', async (req, res) => {
    const { orgId } = caller(req);
    const view = await describe(pathId(req.params.id, 'campaign'), orgId);
    const propensity = await campaignPropensity(
      db,
      { id: view.id, org_id: orgId, journey_id: view.journeyId },
      config.PROPENSITY_MIN_CONVERSATIONS,
    );
    res.json({ ...view, propensity } satisfies CampaignDetail);
  });

  /** The campaign's live conversations most likely to reach the target outcome: where an agent's time pays off most. */
  router.get('/:id/priorities', async (req, res) => {
    const { orgId } = caller(req);
    const { limit } = parse(prioritiesQuery, req.query, 'query');
    const campaign = await findCampaign(db, orgId, pathId(req.params.id, 'campaign'));
    if (!campaign) throw notFound('campaign');
    const rows = await campaignPriorities(db, campaign.id, limit);
    const model = rows.length ? undefined : await currentModel(db, orgId, campaign.journey_id);
    const reason = rows.length || model ? null : await noScoreReason(db, orgId, campaign.journey_id, config.PROPENSITY_MIN_CONVERSATIONS);
    res.json({
      campaignId: campaign.id,
      reason,
      conversations: rows.map((r) => ({
        id: r.id,
        contactId: r.contact_id,
        status: r.status as 'pending' | 'active' | 'handoff',
        step: r.step,
        propensity: r.propensity!,
        modelId: r.propensity_model_id,
      })),
    } satisfies CampaignPriorities);
  });

  /** A run of the finished campaign's workflow that only closes its running conversations. */
  const closeRunning = (view: CampaignView, orgId: string) =>
    runAgain(view, orgId, {
      status: view.status as 'completed' | 'cancelled',
      started: view.progress.started,
      ready: view.progress.started,
      inFlight: 0,
      runs: 0,
      afterSeq: 0,
      inFlightIds: [],
      paused: false,
      closeAfterSeq: 0,
    });

  /** A new run of a campaign whose workflow has finished, taking up from `carried`. */
  async function runAgain(view: Pick<CampaignView, 'id' | 'journeyId'>, orgId: string, carried: NonNullable<CampaignInput['carried']>) {
    const run = await campaignForRun(db, view.id);
    const start = () =>
      temporal.workflow.start(WORKFLOW.campaign, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: campaignWorkflowId(view.id),
        args: [
          {
            campaignId: view.id,
            orgId,
            window: config.CAMPAIGN_WINDOW,
            runLimit: config.CAMPAIGN_RUN_LIMIT,
            ...(run?.rate_per_minute ? { ratePerMinute: run.rate_per_minute } : {}),
            carried,
          },
        ],
        typedSearchAttributes: campaignSearchAttributes({
          orgId,
          campaignId: view.id,
          journeyId: view.journeyId,
          channelKind: run?.kind ?? 'unknown',
        }),
      });
    try {
      await start();
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // The rows say completed a moment before the run closes: wait a little for it, then go again.
      const closed = await Promise.race([
        temporal.workflow
          .getHandle(campaignWorkflowId(view.id))
          .result()
          .then(
            () => true,
            () => true,
          ),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), FINISHING_WAIT_MS).unref()),
      ]);
      if (!closed) throw new HttpError(409, 'Conflict', 'the campaign is still finishing; try again shortly');
      await start();
    }
  }

  // More members for a campaign that has not ended: a running one pages on to them, a completed one runs again.
  const addSchema = addContactsSchema(config);
  router.post(
    '/:id/contacts',
    idempotent(db, config.IDEMPOTENCY_TTL_HOURS, async (req, res) => {
      const { orgId } = caller(req);
      const id = pathId(req.params.id, 'campaign');
      const campaign = await findCampaign(db, orgId, id);
      if (!campaign) throw notFound('campaign');
      const body = parse(addSchema, req.body);
      const channel = await channelFor(db, orgId, campaign.channel_id);
      const normalised = normaliseContacts(channel.kind, (await orgSettings(db, orgId)).defaultCountry, body.contacts);
      const scope = { orgId, channelId: channel.id, channelKind: channel.kind };
      const blocked = await blockedAddresses(
        db,
        deps.hashKey,
        scope,
        normalised.rows.map((r) => r.address),
      );
      const rows = normalised.rows.filter((r) => blocked.get(r.address) !== 'suppressed');
      const added = await addCampaignMembers(db, {
        campaignId: id,
        orgId,
        contacts: rows,
        maxContactFields: config.MAX_CONTACT_FIELDS,
        workflowIdOf: conversationWorkflowId,
      });
      if (!added) throw notFound('campaign');
      if (added.status === 'importing' || added.status === 'cancelled') {
        throw new HttpError(409, 'Conflict', `campaign is ${added.status}; contacts cannot be added to it`);
      }
      if (added.added > 0 && added.status === 'completed') {
        await runAgain({ id, journeyId: campaign.journey_id }, orgId, {
          status: 'running',
          started: added.afterSeq,
          ready: added.afterSeq,
          inFlight: 0,
          runs: 0,
          afterSeq: added.afterSeq,
          inFlightIds: [],
          paused: false,
        });
      } else if (added.added > 0) {
        // A wake-up only: a run that missed it still finds the members before it may complete.
        await temporal.workflow
          .getHandle(campaignWorkflowId(id))
          .signal(membersAddedSignal)
          .catch(() => undefined);
      }
      res.status(200).json({
        id,
        added: added.added,
        duplicatesSkipped: normalised.duplicates + added.duplicates,
        suppressedSkipped: normalised.rows.length - rows.length,
        total: added.total,
      } satisfies MembersAdded);
    }),
  );

  const controls = { pause: pauseSignal, resume: resumeSignal, cancel: cancelSignal } as const;
  for (const [action, signal] of Object.entries(controls)) {
    router.post(`/:id/${action}`, async (req, res) => {
      const { orgId } = caller(req);
      const view = await describe(pathId(req.params.id, 'campaign'), orgId);
      if (view.status === 'importing')
        throw new HttpError(409, 'Conflict', `campaign is importing its contacts; it cannot be ${action}d yet`);
      if (view.status === 'completed' || view.status === 'cancelled') {
        // A campaign is done once every member has sent its first message; its conversations may run for days.
        if (action === 'cancel' && parse(cancelSchema, req.body ?? {}).endRunning) {
          await closeRunning(view, orgId);
          return void res.status(202).json({ ...view, requested: action, endRunning: true } satisfies CampaignControlled);
        }
        throw new HttpError(409, 'Conflict', `campaign is ${view.status}; it cannot be ${action}d`);
      }
      const handle = temporal.workflow.getHandle(campaignWorkflowId(view.id));
      if (action === 'cancel') {
        const { endRunning } = parse(cancelSchema, req.body ?? {});
        await handle.signal(cancelSignal, endRunning ? { endRunning } : undefined);
        return void res
          .status(202)
          .json({ ...view, requested: action, ...(endRunning ? { endRunning } : {}) } satisfies CampaignControlled);
      }
      await handle.signal(signal as typeof pauseSignal);
      res.status(202).json({ ...view, requested: action as CampaignControlled['requested'] } satisfies CampaignControlled);
    });
  }

  return router;
}
