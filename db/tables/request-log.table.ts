import type { Generated } from 'kysely';

/** One API request: never its body or query values. */
export interface RequestLogTable {
  id: Generated<string>;
  org_id: string;
  at: Date;
  key_prefix: string;
  method: string;
  route: string;
  status: number;
  latency_ms: number;
}
