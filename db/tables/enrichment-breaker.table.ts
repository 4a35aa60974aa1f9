export interface EnrichmentBreakerTable {
  org_id: string;
  state: 'closed' | 'open' | 'half_open';
  /** Consecutive transient failures since the last success. */
  failures: number;
  opened_at: Date | null;
  /** While open, nobody calls the endpoint before this. */
  open_until: Date | null;
  /** While half open, the one probe holds the endpoint until this; a probe that dies is replaced after it. */
  probe_lease_until: Date | null;
}
