import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config, SigningKeys } from '../config';
import type { Db } from '../db/database';
import type { SecretBox } from '../platform/secrets';
import type { InboundRelay } from './relay';
import type { RequestLog } from './request-log';

/** What every route needs; built once per process. */
export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  log: Logger;
  /** Signs tokens with the current kid; verifies any accepted one. */
  signingKeys: SigningKeys;
  /** Where each authenticated request is noted; none in benchmarks. */
  requestLog?: RequestLog;
  /** Keys hashed identifiers (inbound workflow ids). */
  hashKey: Buffer;
  /** The payload codec, for the Temporal UI's codec endpoint. */
  codec: PayloadCodec;
  /** Seals channel secrets on the way in; opens them only to verify webhooks. */
  secrets: SecretBox;
  /** Aborted as the process stops: long-lived responses (web chat streams) end, so the server can close. */
  closing?: AbortSignal;
  /** Routes stored inbound messages to their conversations after the webhook is answered. */
  relay: InboundRelay;
}
