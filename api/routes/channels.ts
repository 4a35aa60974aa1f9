import { Router } from 'express';
import { type ChannelKind, kindRules, providerFor, publicConfig } from '../../channels';
import { sealConfig } from '../../channels/config';
import { channelCreateSchema, channelPatchSchema } from '../../channels/schemas';
import { createChannel, deleteChannel, getChannel, listChannels, updateChannel } from '../../db/channels';
import { caller } from '../auth';
import type { ApiDeps } from '../deps';
import { pathId } from '../lookups';
import { HttpError, notFound, parse } from '../problem';

interface ChannelRow {
  id: string;
  kind: ChannelKind;
  name: string;
  config: Record<string, unknown>;
  created_at: Date;
}

/** A channel as the API shows it: never its secrets. */
const view = (c: ChannelRow) => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  config: publicConfig(c.kind, c.config),
  capabilities: kindRules(c.kind).capabilities,
  // Web chat takes no webhooks: its visitors use the chat page.
  webhookPath: providerFor(c.kind) && c.kind !== 'webchat' ? `/hooks/${c.id}` : null,
  ...(c.kind === 'webchat' ? { chatPath: `/webchat/${c.id}` } : {}),
  createdAt: c.created_at,
});

/**
 * The caller's channels. Secrets are sealed before they are stored and never
 * shown back. A channel that a live conversation uses cannot be deleted (409);
 * otherwise it is soft-deleted, as its messages and conversations refer to it.
 */
export function channelsRouter({ db, secrets }: ApiDeps): Router {
  const router = Router();
  const createSchema = channelCreateSchema();

  const load = async (orgId: string, raw: string | string[] | undefined) => {
    const channel = await getChannel(db, orgId, pathId(raw, 'channel'));
    if (!channel) throw notFound('channel');
    return channel;
  };

  router.get('/', async (req, res) => {
    res.json({ channels: (await listChannels(db, caller(req).orgId)).map(view) });
  });

  router.get('/:id', async (req, res) => {
    res.json(view(await load(caller(req).orgId, req.params.id)));
  });

  router.post('/', async (req, res) => {
    const { orgId } = caller(req);
    const body = parse(createSchema, req.body);
    const config = sealConfig(providerFor(body.kind)!, body.config, secrets);
    const { id } = await createChannel(db, { orgId, kind: body.kind, name: body.name, config });
    res
      .status(201)
      .location(`/v1/channels/${id}`)
      .json(view((await getChannel(db, orgId, id))!));
  });

  router.patch('/:id', async (req, res) => {
    const { orgId } = caller(req);
    const channel = await load(orgId, req.params.id);
    const provider = providerFor(channel.kind);
    if (!provider) throw new HttpError(409, 'Conflict', `channels of kind ${channel.kind} cannot be configured yet`);
    const patch = parse(channelPatchSchema(provider), req.body);
    const broken = patch.config && provider.config.check?.({ ...channel.config, ...patch.config });
    if (broken) {
      const field = `config.${broken.field}`;
      throw new HttpError(400, 'Invalid request', `${field}: ${broken.message}`, [{ field, message: broken.message }]);
    }
    const config = patch.config && sealConfig(provider, patch.config, secrets);
    if (patch.name !== undefined || (config && Object.keys(config).length)) {
      if (!(await updateChannel(db, orgId, channel.id, { name: patch.name, config }))) throw notFound('channel');
    }
    res.json(view(await load(orgId, channel.id)));
  });

  router.delete('/:id', async (req, res) => {
    const { orgId } = caller(req);
    const outcome = await deleteChannel(db, orgId, pathId(req.params.id, 'channel'));
    if (outcome === 'missing') throw notFound('channel');
    if (outcome === 'in_use') throw new HttpError(409, 'Conflict', 'live conversations use this channel; end them first');
    res.status(204).end();
  });

  return router;
}
