import { Router } from 'express';
import { z } from 'zod';
import { findJourney } from '../../db/journeys';
import { recordAudit } from '../../db/audit';
import { destroyDataKeys } from '../../db/data-keys';
import { sealLegacyTexts } from '../../db/legacy-texts';
import { revokeAllApiKeys } from '../../db/keys';
import { WorkflowNotFoundError } from '@temporalio/client';
import { setCampaignStatus } from '../../db/campaigns';
import { changeConversation } from '../../db/conversations';
import { LIVE_STATUSES } from '../../db/tables/conversation.table';
import { campaignWorkflowId } from '../../workflows/contracts';
import { findOrg, liveWorkOf, updateOrg } from '../../db/orgs';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { orgSettings } from '../../db/orgs';
import { isUuid } from '../../platform/lookups';
import { HttpError, parse } from '../problem';
import { UnknownReferenceError } from '../../platform/errors';
import { OutboundRefusedError, checkUrl, configuredPolicy } from '../../platform/outbound';
import { ENRICHMENT_SECRET_FIELD, enrichmentKeyId, newEnrichmentSecret, settledSecrets } from '../../platform/enrichment-sign';

const validZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
const validLocale = (tag: string) => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
};
const days = z
  .number()
  .int('expected a whole number of days')
  .min(1, 'at least 1 day')
  .max(36500, 'at most 36500 days')
  .nullable()
  .optional();

/** Days each kind of data is kept after its last use; null keeps it forever. */
export const retentionPatchSchema = z.strictObject({
  conversationsDays: days,
  inactiveContactsDays: days,
  webhookDeliveriesDays: days,
  dsrBundlesDays: days,
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

export const orgPatchSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'expected an ISO 3166 country code such as GB')
    .optional(),
  timeZone: z.string().refine(validZone, 'unknown IANA time zone').optional(),
  locale: z.string().min(2).max(35).refine(validLocale, 'expected a BCP 47 language tag such as en-GB').optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as GBP')
    .optional(),
  outcomes: z.array(z.string().min(1).max(100)).min(1).max(200).optional(),
  sendWindow: z
    .strictObject({ days: z.array(z.number().int().min(0).max(7)).optional(), start: clock, end: clock })
    .nullable()
    .optional(),
  inboundJourneyId: z.string().nullable().optional(),
  enrichmentUrl: z.string().max(2048).url().nullable().optional(),
  requestLogDays: z.number().int().min(1).max(3650).nullable().optional(),
  // Accepted only as it is: data is not moved across regions by a settings change.
  dataRegion: z.string().max(32).optional(),
  retention: retentionPatchSchema.nullable().optional(),
});

/** The caller's organisation settings. */
export function orgRouter({ db, config, secrets, temporal }: ApiDeps): Router {
  const router = Router();
  const outbound = configuredPolicy(config);

  const view = async (orgId: string) => {
    const org = await findOrg(db, orgId);
    const { enrichmentSecret: _sealed, enrichmentNextSecret: _next, ...settings } = org.settings;
    return { id: org.id, name: org.name, ...settings, dataRegion: settings.dataRegion ?? config.DATA_REGION };
  };

  router.get('/', async (req, res) => void res.json(await view(caller(req).orgId)));

  router.patch('/', async (req, res) => {
    const c = caller(req);
    const { orgId } = c;
    const { name, dataRegion, retention, ...patch } = parse(orgPatchSchema, req.body);
    const region = (await orgSettings(db, orgId)).dataRegion ?? config.DATA_REGION;
    if (dataRegion !== undefined && dataRegion !== region) {
      throw new HttpError(
        409,
        'Data stays in its region',
        `dataRegion: this organisation's data lives in ${region}; it is not moved to another region by a settings change`,
        [{ field: 'dataRegion', message: `is ${region}; data is not moved across regions` }],
      );
    }
    if (patch.inboundJourneyId) {
      const id = patch.inboundJourneyId;
      if (!isUuid(id) || !(await findJourney(db, orgId, id))) throw new UnknownReferenceError('inboundJourneyId', 'journey');
    }
    if (patch.enrichmentUrl) {
      try {
        await checkUrl(patch.enrichmentUrl, outbound);
      } catch (err) {
        if (!(err instanceof OutboundRefusedError)) throw err;
        throw new HttpError(422, 'Refused destination', `enrichmentUrl: ${err.message}`, [
          { field: 'enrichmentUrl', message: err.message },
        ]);
      }
    }
    const current = await orgSettings(db, orgId);
    const settings: Record<string, unknown> = { ...current };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete settings[k];
      else if (v !== undefined) settings[k] = v;
    }
    if (retention !== undefined) {
      const kept: Record<string, number> = retention === null ? {} : { ...(settings.retention as object | undefined) };
      for (const [k, v] of Object.entries(retention ?? {})) {
        if (v === null) delete kept[k];
        else if (v !== undefined) kept[k] = v;
      }
      if (Object.keys(kept).length) settings.retention = kept;
      else delete settings.retention;
    }
    // A new endpoint gets a new signing secret, shown in this answer only.
    let enrichmentSecret: string | undefined;
    if (patch.enrichmentUrl === null) {
      delete settings.enrichmentSecret;
      delete settings.enrichmentNextSecret;
    } else if (patch.enrichmentUrl && patch.enrichmentUrl !== current.enrichmentUrl) {
      enrichmentSecret = newEnrichmentSecret();
      delete settings.enrichmentNextSecret;
      settings.enrichmentSecret = secrets.seal(ENRICHMENT_SECRET_FIELD, enrichmentSecret);
    }
    await updateOrg(db, orgId, { name, settings });
    if (retention !== undefined) {
      // The kinds changed, never their values' subjects: the audit log holds ids and names only.
      const kinds = retention === null ? 'all' : Object.keys(retention).sort().join(',');
      await recordAudit(db, {
        orgId,
        actor: c.keyPrefix,
        actorKeyId: c.keyId,
        ip: req.ip,
        action: 'retention.changed',
        target: kinds,
        result: 'ok',
      });
    }
    res.json({ ...(await view(orgId)), ...(enrichmentSecret ? { enrichmentSecret } : {}) });
  });

  // A staged rotation: the answer shows the new secret once; Parley signs with it from `activatesAt` on.
  router.post('/enrichment-secret/rotate', async (req, res) => {
    const c = caller(req);
    const { activateInSeconds } = parse(enrichmentRotateSchema, req.body ?? {});
    const now = new Date();
    const current = settledSecrets(await orgSettings(db, c.orgId), now);
    if (!current.enrichmentUrl) {
      throw new HttpError(409, 'No enrichment endpoint', 'enrichmentUrl: set an enrichment endpoint before rotating its secret', [
        { field: 'enrichmentUrl', message: 'is not set' },
      ]);
    }
    const secret = newEnrichmentSecret();
    const activatesAt = new Date(now.getTime() + activateInSeconds * 1000);
    const next = { sealed: secrets.seal(ENRICHMENT_SECRET_FIELD, secret), from: activatesAt.toISOString() };
    const settings = activateInSeconds === 0 ? { ...current, enrichmentSecret: next.sealed } : { ...current, enrichmentNextSecret: next };
    if (activateInSeconds === 0) delete settings.enrichmentNextSecret;
    await updateOrg(db, c.orgId, { settings });
    await recordAudit(db, {
      orgId: c.orgId,
      actor: c.keyPrefix,
      actorKeyId: c.keyId,
      ip: req.ip,
      action: 'enrichment_secret.rotated',
      target: enrichmentKeyId(secret),
      result: 'ok',
    });
    res.json({ secret, keyId: enrichmentKeyId(secret), activatesAt: activatesAt.toISOString() });
  });

  // Crypto-shredding: the org's data keys are destroyed, so its sealed texts (backups included) never open again.
  router.post('/offboard', async (req, res) => {
    const c = caller(req);
    parse(offboardSchema(c.orgId), req.body ?? {});
    // Its workflows end first: none is left retrying writes under a key that is gone.
    const live = await liveWorkOf(db, c.orgId);
    const ids = [...live.conversations.map((v) => v.workflow_id), ...live.campaigns.map(campaignWorkflowId)];
    for (const id of ids) {
      await temporal.workflow
        .getHandle(id)
        .terminate('organisation offboarded')
        .catch((err) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    }
    for (const v of live.conversations) {
      await changeConversation(db, { id: v.id }, { status: 'cancelled', endedAt: new Date() }, { from: LIVE_STATUSES });
    }
    for (const id of live.campaigns) await setCampaignStatus(db, id, 'cancelled');
    // Texts written before encryption are sealed now, so the shredding reaches them too.
    while ((await sealLegacyTexts(db, { orgId: c.orgId })) > 0);
    const dataKeysDestroyed = await destroyDataKeys(db, c.orgId);
    const apiKeysRevoked = await revokeAllApiKeys(db, c.orgId);
    await recordAudit(db, {
      orgId: c.orgId,
      actor: c.keyPrefix,
      actorKeyId: c.keyId,
      ip: req.ip,
      action: 'org.offboarded',
      target: `org:${c.orgId}`,
      result: 'ok',
    });
    res.json({ orgId: c.orgId, workflowsEnded: ids.length, dataKeysDestroyed, apiKeysRevoked, offboardedAt: new Date().toISOString() });
  });

  return router;
}

/** The org's own id, typed out: offboarding cannot be undone. */
export const offboardSchema = (orgId?: string) =>
  z.strictObject({
    confirmOrgId: z
      .string()
      .refine((v) => orgId === undefined || v === orgId, "must be this organisation's id")
      .describe("this organisation's id, as confirmation: its data becomes unreadable for good"),
  });

export const enrichmentRotateSchema = z.strictObject({
  activateInSeconds: z
    .number()
    .int('expected a whole number of seconds')
    .min(0)
    .max(30 * 86_400, 'at most 30 days')
    .default(0)
    .describe('seconds during which the current secret still signs, so the receiver can add the new one first'),
});
