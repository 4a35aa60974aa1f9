import { sealConfig } from '../channels/config';
import { newSandboxConfig, sandbox } from '../channels/sandbox';
import type { Db } from '../db/database';
import { createOrg } from '../db/orgs';
import type { OrgSettings } from '../db/tables/org.table';
import type { SecretBox } from '../platform/secrets';
import { generateApiKey } from './keys';

export const DEFAULT_SETTINGS: OrgSettings = {
  defaultCountry: 'GB',
  timeZone: 'Europe/London',
  locale: 'en-GB',
  currency: 'GBP',
  outcomes: [
    'Completed',
    'Promise to pay',
    'Payment link sent',
    'Paid',
    'Confirmed',
    'Cancelled',
    'Reschedule requested',
    'Callback requested',
    'Failed ID&V',
    'Handled by agent',
    'Handed to agent',
    'Resolved by bot',
  ],
};

/** Creates an org with a sandbox channel, its webhook secret sealed, and an API key (shown once). */
export async function provisionOrg(db: Db, secrets: SecretBox, name: string, settings: Partial<OrgSettings> = {}) {
  const key = generateApiKey();
  const sandboxConfig = sealConfig(sandbox, newSandboxConfig(), secrets);
  const org = await createOrg(db, { name, settings: { ...DEFAULT_SETTINGS, ...settings }, key, sandboxConfig });
  return { ...org, apiKey: key.key };
}
