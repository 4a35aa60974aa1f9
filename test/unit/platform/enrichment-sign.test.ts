import type { OrgSettings } from '../../../db/tables/org.table';
import { ENRICHMENT_SECRET_FIELD, enrichmentKeyId, signingSecret } from '../../../platform/enrichment-sign';
import { testSecrets } from '../../helpers/secrets';

const base: OrgSettings = { defaultCountry: 'GB', timeZone: 'Europe/London', locale: 'en-GB', currency: 'GBP', outcomes: [] };
const seal = (s: string) => testSecrets.seal(ENRICHMENT_SECRET_FIELD, s);

describe('the enrichment signing secret during a staged rotation', () => {
  const settings: OrgSettings = {
    ...base,
    enrichmentSecret: seal('ensec_old'),
    enrichmentNextSecret: { sealed: seal('ensec_new'), from: '2026-03-01T12:00:00.000Z' },
  };

  it('signs with the current secret until the new one activates, and with the new one from then on', () => {
    expect(signingSecret(settings, testSecrets, new Date('2026-03-01T11:59:59.999Z'))).toBe('ensec_old');
    expect(signingSecret(settings, testSecrets, new Date('2026-03-01T12:00:00.000Z'))).toBe('ensec_new');
    expect(signingSecret(settings, testSecrets, new Date('2027-01-01T00:00:00.000Z'))).toBe('ensec_new');
  });

  it('has no secret for an org that never set an endpoint', () => {
    expect(signingSecret(base, testSecrets, new Date('2026-03-01T12:00:00Z'))).toBeUndefined();
  });

  it('names each secret by a stable id that does not reveal it', () => {
    expect(enrichmentKeyId('ensec_new')).toBe(enrichmentKeyId('ensec_new'));
    expect(enrichmentKeyId('ensec_new')).not.toBe(enrichmentKeyId('ensec_old'));
    expect(enrichmentKeyId('ensec_new')).toMatch(/^[0-9a-f]{12}$/);
  });
});
