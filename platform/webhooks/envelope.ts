/** An event as receivers get it. */
export interface WebhookEnvelope {
  id: string;
  type: string;
  orgId: string;
  occurredAt: string;
  sequence: number;
  data: Record<string, unknown>;
}

export const webhookEnvelope = (e: {
  event_id: string;
  type: string;
  org_id: string;
  occurred_at: Date;
  sequence: number;
  data: Record<string, unknown>;
}): WebhookEnvelope => ({
  id: e.event_id,
  type: e.type,
  orgId: e.org_id,
  occurredAt: new Date(e.occurred_at).toISOString(),
  sequence: e.sequence,
  data: e.data,
});
