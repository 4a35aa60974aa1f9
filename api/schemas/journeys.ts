import { z } from 'zod';

const at = z.iso.datetime({ offset: true });

export const journeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  version: z.int(),
  currentVersion: z.int(),
  definition: z.looseObject({}).describe('The journey definition at this version'),
  updatedAt: at,
});
export const journeyList = z.object({
  journeys: z.array(z.object({ id: z.uuid(), name: z.string(), currentVersion: z.int(), updatedAt: at })),
});
