import { z } from 'zod';

const at = z.iso.datetime({ offset: true });

/** What GET /v1/conversations/{id}/transcript answers as JSON. */
export const transcriptView = z.object({
  conversationId: z.uuid(),
  status: z.string(),
  outcome: z.string().nullable(),
  messages: z.array(
    z.object({
      id: z.uuid(),
      direction: z.enum(['in', 'out']),
      author: z.enum(['contact', 'bot', 'agent', 'api']),
      text: z.string(),
      status: z.enum(['received', 'pending', 'sent', 'delivered', 'read', 'failed']),
      statusAt: at.nullable(),
      step: z.string().nullable(),
      error: z.string().nullable(),
      errorCode: z.string().nullable(),
      createdAt: at,
      updatedAt: at,
    }),
  ),
});
export type TranscriptView = z.infer<typeof transcriptView>;
