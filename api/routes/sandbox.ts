import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { sandbox } from '../../channels/sandbox';
import { getChannel } from '../../db/channels';
import { readOutbox } from '../../db/sandbox-outbox';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { receiveInbound } from '../inbound';
import { routedMessage, waitRouted } from '../../db/messages';
import { orgSettings } from '../../db/orgs';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';

// How long the sandbox waits for another API process's relay before answering without a conversation.
const ROUTED_WAIT_MS = 10_000;

export const inboundSchema = z.strictObject({
  from: z.string().min(1).max(256),
  text: z.string().max(10_000),
  id: z.string().min(1).max(200).optional(),
});
const outboxQuery = z.object({
  address: z.string().max(256).optional(),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Plays the customer's side of a sandbox channel. */
export function sandboxRouter(deps: ApiDeps): Router {
  const { db } = deps;
  const router = Router();

  const sandboxChannel = async (orgId: string, raw: string | string[] | undefined) => {
    const id = pathId(raw, 'sandbox channel');
    const channel = await getChannel(db, orgId, id);
    if (channel?.kind !== 'sandbox') throw notFound('sandbox channel');
    return channel;
  };

  router.post('/:channelId/inbound', async (req, res) => {
    const { orgId } = caller(req);
    const channel = await sandboxChannel(orgId, req.params.channelId);
    const body = parse(inboundSchema, req.body);
    const settings = await orgSettings(db, orgId);
    const from = sandbox.normaliseAddress(body.from, settings.defaultCountry);
    if ('error' in from) throw new HttpError(400, 'Invalid request', `from: ${from.error}`, [{ field: 'from', message: from.error }]);
    const accepted = await receiveInbound(deps, {
      orgId,
      channelId: channel.id,
      channelKind: channel.kind,
      address: from.address,
      text: body.text,
      providerMessageId: body.id ?? `sbx_in_${randomUUID()}`,
    });
    // Playing the customer, the caller wants to know where the message went: wait for the relay.
    const outcome = await accepted.routed;
    if (outcome === 'busy') await waitRouted(db, accepted.messageId, ROUTED_WAIT_MS);
    const routed = deps.relay.result(accepted.messageId) ?? (await routedMessage(db, accepted.messageId));
    res.status(accepted.duplicate ? 200 : 202).json({ ...routed, duplicate: accepted.duplicate });
  });

  router.get('/:channelId/outbox', async (req, res) => {
    const { orgId } = caller(req);
    const channel = await sandboxChannel(orgId, req.params.channelId);
    const query = parse(outboxQuery, req.query, 'query');
    let address: string | undefined;
    if (query.address) {
      const settings = await orgSettings(db, orgId);
      const to = sandbox.normaliseAddress(query.address, settings.defaultCountry);
      if ('error' in to) throw new HttpError(400, 'Invalid request', `address: ${to.error}`, [{ field: 'address', message: to.error }]);
      address = to.address;
    }
    const rows = await readOutbox(db, channel.id, { after: query.after, limit: query.limit, address });
    res.json({
      messages: rows.map((r) => ({
        seq: Number(r.seq),
        to: r.address,
        text: r.body,
        providerMessageId: r.provider_message_id,
        createdAt: r.created_at,
      })),
    });
  });

  return router;
}
