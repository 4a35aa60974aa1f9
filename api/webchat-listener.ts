import { Client } from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import { WEBCHAT_NOTIFY_CHANNEL, webchatEventOwner } from '../db/webchat';

const RECONNECT_MS = 1000;

type Wake = () => void;

/**
 * One LISTEN connection per API process, shared by all of its web chat
 * streams: it is opened for the first stream and closed after the last. A
 * notification names only the event's seq; the owner is looked up once and
 * only that visitor's streams wake, each to read what it has not sent yet.
 * When the connection drops, every stream wakes (it may have missed some)
 * and the listener reconnects while any stream remains.
 */
export class WebchatListener {
  private readonly streams = new Map<string, Set<Wake>>();
  private count = 0;
  private client?: Client;
  private ready?: Promise<void>;
  private retry?: NodeJS.Timeout;
  // Bumped on close, so that a connection still opening when the last stream left is not kept.
  private generation = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly db: Db,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Calls `wake` whenever this visitor may have new events; resolves once listening. Call the result to stop. */
  async subscribe(channelId: string, visitorId: string, wake: Wake): Promise<() => void> {
    const key = `${channelId}\n${visitorId}`;
    const set = this.streams.get(key) ?? new Set<Wake>();
    this.streams.set(key, set.add(wake));
    this.count++;
    let done = false;
    const unsubscribe = () => {
      if (done) return;
      done = true;
      set.delete(wake);
      if (set.size === 0 && this.streams.get(key) === set) this.streams.delete(key);
      if (--this.count === 0) this.close();
    };
    try {
      await this.listen();
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  /** Streams of one visitor open in this process. */
  openStreams(channelId: string, visitorId: string): number {
    return this.streams.get(`${channelId}\n${visitorId}`)?.size ?? 0;
  }

  private listen(): Promise<void> {
    this.ready ??= this.open(this.generation).catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async open(generation: number): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('notification', (n) => void this.dispatch(n.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${WEBCHAT_NOTIFY_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (generation !== this.generation) {
      client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private async dispatch(seq: string | undefined) {
    if (!seq || !/^\d+$/.test(seq)) return;
    try {
      const owner = await webchatEventOwner(this.db, seq);
      if (owner) this.streams.get(`${owner.channel_id}\n${owner.visitor_id}`)?.forEach((wake) => wake());
    } catch (err) {
      this.log.warn({ err }, 'web chat: reading an announced event failed');
      this.wakeAll();
    }
  }

  private lost(client: Client, err?: Error) {
    if (this.client !== client) return;
    this.client = undefined;
    this.ready = undefined;
    client.end().catch(() => undefined);
    this.log.warn({ err }, 'web chat: the LISTEN connection was lost');
    this.wakeAll();
    this.reconnect();
  }

  private reconnect() {
    if (this.count === 0 || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.count === 0) return;
      this.listen().then(
        () => this.wakeAll(),
        () => this.reconnect(),
      );
    }, RECONNECT_MS);
  }

  private wakeAll() {
    for (const set of this.streams.values()) set.forEach((wake) => wake());
  }

  private close() {
    this.generation++;
    clearTimeout(this.retry);
    this.retry = undefined;
    const client = this.client;
    this.client = undefined;
    this.ready = undefined;
    client?.end().catch(() => undefined);
  }
}
