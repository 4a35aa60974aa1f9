import { isSealed, type SecretBox } from '../platform/secrets';
import { ConfigurationError } from './errors';
import type { Provider } from './provider';

/** A channel's configuration as stored: its provider's secret fields sealed. */
export function sealConfig(provider: Provider, config: Record<string, unknown>, box: SecretBox): Record<string, unknown> {
  return box.sealFields(config, provider.config.secrets);
}

/** A stored configuration with its secrets opened; without a box, one that holds sealed secrets is a configuration error. */
export function openConfig(provider: Provider, config: Record<string, unknown>, box: SecretBox | undefined): Record<string, unknown> {
  if (box) return box.openFields(config, provider.config.secrets);
  if (provider.config.secrets.some((field) => isSealed(config[field])))
    throw new ConfigurationError(`the ${provider.kind} channel's secrets are sealed and no key was given`);
  return config;
}
