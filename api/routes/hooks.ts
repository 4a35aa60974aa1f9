import express, { type Request, type Response, Router } from 'express';
import { providerFor } from '../../channels';
import { openConfig } from '../../channels/config';
import type { WebhookRequest } from '../../channels/provider';
import { getChannelById, whatsAppChannelsByNumber } from '../../db/channels';
import { applyStatusUpdate, applyWatermark } from '../../db/messages';
import { settleSendAttempt } from '../../db/send-attempts';
import type { ApiDeps } from '../deps';
import { receiveInbound } from '../inbound';
import { orgSettings } from '../../db/orgs';
import { pathId } from '../lookups';
import { type FieldError, HttpError, notFound } from '../problem';
import { unstorable } from '../storable';

/**
 * Provider webhooks, outside /v1 authentication: the provider's signature on
 * the raw body is the proof. An unknown channel or a bad signature stores
 * nothing; a repeated delivery is stored once (the provider message id is unique).
 */
const ONE_NUMBER = 'one phone_number_id expected; post to /hooks/<channelId> otherwise';

export function hooksRouter(deps: ApiDeps): Router {
  const { db } = deps;
  const router = Router();

  const raw = express.raw({ type: () => true, limit: deps.config.MAX_BODY_BYTES });

  // Meta's app-level webhook names the number, not our channel: route by its phone_number_id.
  router.post('/whatsapp', raw, async (req, res) => {
    const ids = phoneNumberIds(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    if (ids.length !== 1) throw new HttpError(400, 'Invalid request', `body: ${ONE_NUMBER}`, [{ field: 'body', message: ONE_NUMBER }]);
    const channels = await whatsAppChannelsByNumber(db, ids[0]);
    if (channels.length === 0) throw notFound('channel');
    if (channels.length > 1) throw new HttpError(409, 'Conflict', 'several channels use this phone_number_id; post to /hooks/<channelId>');
    await handle(channels[0], req, res);
  });

  router.post('/:channelId', raw, async (req, res) => {
    await handle(await getChannelById(db, pathId(req.params.channelId, 'channel')), req, res);
  });

  async function handle(channel: Awaited<ReturnType<typeof getChannelById>>, req: Request, res: Response) {
    const provider = channel && providerFor(channel.kind);
    if (!channel || !provider || provider.webhook === false) throw notFound('channel');
    const hook: WebhookRequest = {
      method: req.method,
      headers: req.headers,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      query: req.query,
      // Behind a TLS-terminating proxy the provider signed the public URL, not the one we see.
      url: `${deps.config.PUBLIC_URL?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`}${req.originalUrl}`,
    };
    if (!provider.verify(hook, openConfig(provider, channel.config, deps.secrets)))
      throw new HttpError(401, 'Unauthorized', 'the webhook signature is missing or does not match');

    const { messages, ack } = provider.parseInbound(hook, channel.config);
    const statuses = provider.parseStatus(hook, channel.config);
    const errors: FieldError[] = unstorable({ messages, statuses }, 'body');
    const settings = await orgSettings(db, channel.org_id);
    const { defaultCountry } = settings;
    const senders = messages.map((m, i) => {
      const from = provider.normaliseAddress(m.from, defaultCountry);
      if ('error' in from) errors.push({ field: `messages[${i}].from`, message: from.error });
      return 'address' in from ? from.address : '';
    });
    const recipients = statuses.map((s, i) => {
      if (!('watermark' in s)) return '';
      const to = provider.normaliseAddress(s.recipient, defaultCountry);
      if ('error' in to) errors.push({ field: `statuses[${i}].recipient`, message: to.error });
      return 'address' in to ? to.address : '';
    });
    if (errors.length) throw new HttpError(400, 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);

    const received = [];
    // Stored in the order the provider sent them, which is the order the relay routes a sender's messages in.
    for (const [i, m] of messages.entries()) {
      const { messageId, duplicate } = await receiveInbound(deps, {
        orgId: channel.org_id,
        channelId: channel.id,
        channelKind: channel.kind,
        address: senders[i],
        text: m.text,
        providerMessageId: m.providerMessageId,
      });
      received.push({ messageId, duplicate });
    }
    let updated = 0;
    for (const [i, status] of statuses.entries()) {
      if ('watermark' in status) {
        updated += await applyWatermark(db, channel.id, { ...status, recipient: recipients[i] });
        continue;
      }
      // The key names a send whose answer was lost: a retry of it now finds the provider's id instead of sending again.
      if (status.idempotencyKey) await settleSendAttempt(db, channel.id, status.idempotencyKey, status.providerMessageId);
      if (await applyStatusUpdate(db, channel.id, status)) updated++;
    }
    if (ack) return void res.status(200).type(ack.contentType).send(ack.body);
    res.status(200).json({ messages: received, statusesApplied: updated });
  }

  // The provider's subscription check (WhatsApp's hub.challenge); providers without one have no GET.
  router.get('/:channelId', async (req, res) => {
    const channel = await getChannelById(db, pathId(req.params.channelId, 'channel'));
    const provider = channel && providerFor(channel.kind);
    if (!channel || !provider?.handshake) throw notFound('channel');
    const answer = provider.handshake(
      { method: req.method, headers: req.headers, rawBody: Buffer.alloc(0), query: req.query },
      openConfig(provider, channel.config, deps.secrets),
    );
    res.status(answer.status).type('text/plain').send(answer.body);
  });

  return router;
}

/** The distinct phone_number_ids a WhatsApp webhook body names; none when it is not such a body. */
function phoneNumberIds(raw: Buffer): string[] {
  try {
    const body = JSON.parse(raw.toString('utf8')) as { entry?: { changes?: { value?: { metadata?: { phone_number_id?: unknown } } }[] }[] };
    const ids = (body.entry ?? []).flatMap((e) => (e.changes ?? []).map((c) => c.value?.metadata?.phone_number_id));
    return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 64))];
  } catch {
    return [];
  }
}
