import { stat } from 'node:fs/promises';
import { csvCell } from '../../platform/csv/cell';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { sendRate } from '../../activities/deliver';
import { findCampaign, importRejections } from '../../db/campaigns';
import { blockedAddresses } from '../../db/suppressions';
import type { Db } from '../../db/database';
import { findJourneyVersion } from '../../db/journeys';
import { orgSettings } from '../../db/orgs';
import type { NormalisedContact } from '../../platform/contacts';
import { type ImportedContacts, importContacts, mappingSchema, scanContacts, targets } from '../../platform/import/contacts';
import { type Estimate, estimateSending } from '../../platform/import/estimate';
import { openRows } from '../../platform/import/rows';
import { recipientZone } from '../../platform/recipient-zone';
import { channelFor, journeyFor } from '../../platform/lookups';
import { lookup } from '../../workflows/journey/fields';
import { placeholders } from '../../workflows/journey/placeholders';
import type { Journey } from '../../workflows/journey/schema';
import type { SendWindow } from '../../workflows/journey/window';
import { render } from '../../workflows/journey/template';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';
import { idempotent } from '../idempotency';
import { unstorable } from '../storable';
import { type Upload, readUpload } from '../upload';
import { type Launch, type LaunchImport, controlsSchema } from './campaigns';

const SAMPLE_SIZE = 5;
const REPORT_PAGE = 5000;

const partsSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  journeyId: z.string({ error: 'required' }).min(1),
  channelId: z.string({ error: 'required' }).min(1),
  mapping: z.string({ error: 'required' }).transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }),
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'expected an ISO 3166 country code such as GB')
    .optional(),
  dryRun: z.enum(['true', 'false'], { error: 'expected "true" or "false"' }).optional(),
  // The campaign controls of the JSON body, as text parts.
  startAt: z.string().optional(),
  ratePerMinute: z.string().optional(),
  sendWindow: z.string().optional(),
  purpose: z.string().optional(),
});

/** The text parts of the campaign controls, checked as the JSON body's are. */
function controlsOf(parts: z.infer<typeof partsSchema>) {
  const json = (s: string | undefined) => {
    if (s === undefined) return undefined;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  };
  return parse(controlsSchema, {
    startAt: parts.startAt,
    ratePerMinute: json(parts.ratePerMinute),
    sendWindow: json(parts.sendWindow),
    purpose: parts.purpose,
  });
}

/** The import's answer: the counts, and the rejected rows by reason. */
const summary = (imported: Pick<ImportedContacts, 'counts' | 'rejectedBy'>) => ({
  counts: imported.counts,
  rejectedBy: imported.rejectedBy,
});

/** The journey's first message text: from the start step along `next` until a step that says something. */
function firstMessage(journey: Journey): string | undefined {
  const byId = new Map(journey.steps.map((s) => [s.id, s]));
  const visited = new Set<string>();
  for (let id: string | undefined = journey.start; id && !visited.has(id);) {
    visited.add(id);
    const step = byId.get(id);
    if (!step) return undefined;
    if ((step.kind === 'message' || step.kind === 'ask' || step.kind === 'verify') && step.text) return step.text;
    id = 'next' in step && typeof step.next === 'string' ? step.next : undefined;
  }
  return undefined;
}

/**
 * What a real run would do with the contacts, batch by batch, without storing or sending anything: placeholders
 * with no value, a sample of first messages, and the recipients by time zone for the estimate.
 */
function dryRunReport(journey: Journey, ctx: Parameters<typeof render>[2], orgZone: string) {
  const text = firstMessage(journey);
  const names = text === undefined ? [] : [...new Set(placeholders(text).map((p) => p.name))];
  const missingPlaceholders: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const sample: ({ address: string; text: string } | { address: string; missing: string[] })[] = [];
  const recipients: Record<string, number> = {};
  return {
    add(contacts: NormalisedContact[]) {
      for (const c of contacts) {
        const zone = recipientZone(c.address, orgZone);
        recipients[zone] = (recipients[zone] ?? 0) + 1;
        if (text === undefined) continue;
        for (const name of names) if (lookup(c.fields, name) === undefined) missingPlaceholders[name]++;
        if (sample.length < SAMPLE_SIZE) sample.push({ address: c.address, ...render(text, c.fields, ctx, journey.fallbacks ?? {}) });
      }
    },
    report: (estimate: (recipients: Record<string, number>) => Estimate) => ({
      missingPlaceholders,
      sample,
      estimate: estimate(recipients),
    }),
  };
}

/** The dry run's estimate: the campaign's start, throttle and window, in each recipient's zone. */
function estimateFor(
  recipients: Record<string, number>,
  controls: ReturnType<typeof controlsOf>,
  settings: { timeZone: string; sendWindow?: SendWindow },
  now: number,
  ratePerSecond: number,
) {
  const w = controls.sendWindow;
  return estimateSending({
    now,
    startAt: controls.startAt ? Date.parse(controls.startAt) : undefined,
    recipients,
    ratePerSecond,
    ratePerMinute: controls.ratePerMinute,
    sendWindow: w ? { start: w.from, end: w.to, days: w.days } : undefined,
    org: { window: settings.sendWindow, timeZone: settings.timeZone },
  });
}

/** POST /v1/campaigns with multipart/form-data: a campaign from a contacts file, or a dry run of one. */
export function importCampaign(
  { config, db, hashKey }: ApiDeps,
  launch: Launch,
  launchImport: LaunchImport,
  describe: (id: string, orgId: string) => Promise<object>,
) {
  return async (req: Request, res: Response) => {
    const upload = await readUpload(req, config.IMPORT_MAX_BYTES);
    try {
      // An Idempotency-Key compares uploads by their text parts and the file's digest.
      req.body = { ...upload.fields, file: upload.fileSha256 ?? null };
      await idempotent(db, config.IDEMPOTENCY_TTL_HOURS, (rq, rs) => fromUpload(rq, rs, upload))(req, res, () => undefined);
    } finally {
      await upload.cleanup();
    }
  };

  async function fromUpload(req: Request, res: Response, upload: Upload) {
    const { orgId } = caller(req);
    const unfit = unstorable(upload.fields, 'body');
    if (unfit.length) throw new HttpError(400, 'Invalid request', unfit.map((e) => `${e.field}: ${e.message}`).join('; '), unfit);
    const parts = parse(partsSchema, upload.fields, 'body');
    if (!upload.filePath) throw new HttpError(400, 'Invalid request', 'file: required', [{ field: 'file', message: 'required' }]);
    const { mapping } = parse(z.object({ mapping: mappingSchema }), { mapping: parts.mapping });
    const controls = controlsOf(parts);
    const channel = await channelFor(db, orgId, parts.channelId);
    const journey = await journeyFor(db, orgId, parts.journeyId);
    const settings = await orgSettings(db, orgId);
    const defaultCountry = parts.defaultCountry ?? settings.defaultCountry;
    if (parts.dryRun !== 'true' && (await stat(upload.filePath)).size > config.IMPORT_SYNC_MAX_BYTES) {
      // Too large to import while the request waits: a workflow imports it in batches.
      const file = await openRows(upload.filePath, { maxUnpackedBytes: config.IMPORT_MAX_UNPACKED_BYTES });
      const rows = file.rows[Symbol.asyncIterator]();
      await rows.next();
      await rows.return?.();
      targets(file.header, mapping, config.MAX_CONTACT_FIELDS);
      const campaign = await launchImport({
        orgId,
        name: parts.name,
        journey,
        channel,
        mapping,
        defaultCountry,
        filePath: upload.filePath,
        controls,
      });
      res
        .status(202)
        .location(`/v1/campaigns/${campaign.id}`)
        .json(await describe(campaign.id, orgId));
      return;
    }
    const now = Date.now();
    const file = await openRows(upload.filePath, { maxUnpackedBytes: config.IMPORT_MAX_UNPACKED_BYTES });
    const options = {
      kind: channel.kind,
      defaultCountry,
      timeZone: settings.timeZone,
      now,
      maxFieldChars: config.MAX_FIELD_CHARS,
      maxFields: config.MAX_CONTACT_FIELDS,
      blocked: (addresses: string[]) =>
        blockedAddresses(db, hashKey, { orgId, channelId: channel.id, channelKind: channel.kind }, addresses),
    };

    if (parts.dryRun === 'true') {
      // Streamed: a dry run of any size holds one batch of contacts at a time.
      const version = await findJourneyVersion(db, journey.id, journey.current_version);
      const definition = version!.definition as unknown as Journey;
      const ctx = { now, timeZone: settings.timeZone, locale: settings.locale, currency: settings.currency };
      const report = dryRunReport(definition, ctx, settings.timeZone);
      const scanned = await scanContacts(file, mapping, options, (contacts) => report.add(contacts));
      const rate = sendRate(channel.kind, channel.config).perSecond;
      res.status(200).json({
        dryRun: true,
        ...summary(scanned),
        ...report.report((recipients) => estimateFor(recipients, controls, settings, now, rate)),
      });
      return;
    }
    const imported = await importContacts(file, mapping, options);
    if (imported.contacts.length === 0) {
      const message = 'no row of the file can be imported';
      res
        .status(400)
        .type('application/problem+json')
        .json({
          type: 'about:blank',
          title: 'No contacts to import',
          status: 400,
          detail: `file: ${message}`,
          errors: [{ field: 'file', message }],
          ...summary(imported),
        });
      return;
    }
    const campaign = await launch({
      orgId,
      name: parts.name,
      journey,
      channel,
      contacts: imported.contacts,
      rejections: imported.rejections,
      controls,
    });
    res
      .status(201)
      .location(`/v1/campaigns/${campaign.id}`)
      .json({ ...(await describe(campaign.id, orgId)), ...summary(imported) });
  }
}

export { csvCell };

/** GET /v1/campaigns/:id/import-report: the rows of the campaign's file that were not imported, as CSV. */
export function importReport(db: Db) {
  return async (req: Request, res: Response) => {
    const campaignId = pathId(req.params.id as string, 'campaign');
    const campaign = await findCampaign(db, caller(req).orgId, campaignId);
    if (!campaign) throw notFound('campaign');
    res.status(200).type('text/csv; charset=utf-8');
    res.set('content-disposition', `attachment; filename="import-report-${campaign.id}.csv"`);
    res.write('row,reason,detail\r\n');
    for (let after = 0; ;) {
      const page = await importRejections(db, campaign.id, after, REPORT_PAGE);
      if (page.length === 0) break;
      res.write(page.map((r) => `${r.row},${csvCell(r.reason)},${csvCell(r.detail)}\r\n`).join(''));
      after = page[page.length - 1].row;
    }
    res.end();
  };
}
