import { z } from 'zod';

/** A channel's own send rate in its configuration, in messages per second; without it the provider's default applies. */
export const ratePerSecond = z.number().positive().max(1000).optional();
