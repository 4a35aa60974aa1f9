import { z } from 'zod';
import { CHANNEL_KINDS, type Provider, providerFor } from '.';

const name = z.string().trim().min(1).max(200);

/** The kinds a channel can be created with: those with a provider. */
export const configurableProviders = (): Provider[] => CHANNEL_KINDS.flatMap((kind) => providerFor(kind) ?? []);

/** `POST /v1/channels`: the kind picks the provider whose schema checks `config`. */
export const channelCreateSchema = () => {
  const [first, ...rest] = configurableProviders().map((p) =>
    z.strictObject({
      kind: z.literal(p.kind),
      name,
      config: p.config.schema.strict().superRefine((config, ctx) => {
        const broken = p.config.check?.(config);
        if (broken) ctx.addIssue({ code: 'custom', path: [broken.field], message: broken.message });
      }),
    }),
  );
  return z.discriminatedUnion('kind', [first, ...rest]);
};

/** `PATCH /v1/channels/:id`: a new name and/or some of the provider's fields; a secret given replaces the stored one. */
export const channelPatchSchema = (provider?: Provider) =>
  z.strictObject({
    name: name.optional(),
    config: provider
      ? provider.config.schema.partial().strict().optional()
      : z.union(configurableProviders().map((p) => p.config.schema.partial().strict())).optional(),
  });
