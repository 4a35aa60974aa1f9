import type { ChannelKind } from '../channels';
import { getChannelById } from '../db/channels';
import { type InboundSender, dequeue, queuedFrom, routingFailed, sendersDue, withSenderLock } from '../db/inbound-queue';
import type { ApiDeps } from './deps';
import { type InboundResult, routeInbound } from './inbound';

type Deps = Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'hashKey' | 'log'>;

export interface InboundRelay {
  /** Routes the sender's queued messages soon; settles once they are routed (or left for a later try). */
  kick(sender: InboundSender): Promise<void>;
  /** What routing a message this process routed came to; kept for a short while. */
  result(messageId: string): InboundResult | undefined;
  /** Sweeps for messages left queued (a crash, a failed try) every `sweepMs`. */
  start(sweepMs: number): void;
  /** Stops sweeping and waits for the routing under way. */
  stop(): Promise<void>;
}

const KEPT_RESULTS = 2_000;
// A message younger than this is still on its way through a kick; the sweep leaves it alone.
const SWEEP_AGE_MS = 2_000;

/**
 * Hands stored inbound messages to their conversations after the webhook has been
 * answered. One sender's messages go one at a time, oldest first: in this process by
 * a chain per sender, across API processes by the sender's database lock. Senders
 * run side by side up to `concurrency`.
 */
export function createInboundRelay(deps: Deps, concurrency = Math.max(1, Math.floor(deps.config.DATABASE_POOL_MAX / 2))): InboundRelay {
  const chains = new Map<string, Promise<void>>();
  const results = new Map<string, InboundResult>();
  const kinds = new Map<string, ChannelKind>();
  const gate = semaphore(concurrency);
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  const kindOf = async (channelId: string) => {
    let kind = kinds.get(channelId);
    if (!kind) {
      const channel = await getChannelById(deps.db, channelId);
      if (!channel) throw new Error('the channel is gone');
      kind = channel.kind;
      kinds.set(channelId, kind);
    }
    return kind;
  };

  const keep = (result: InboundResult) => {
    results.set(result.messageId, result);
    if (results.size > KEPT_RESULTS) results.delete(results.keys().next().value!);
  };

  async function routeSender(sender: InboundSender) {
    await withSenderLock(deps.db, sender, async () => {
      const channelKind = await kindOf(sender.channelId);
      for (;;) {
        const queued = await queuedFrom(deps.db, sender);
        if (queued.length === 0) return;
        for (const q of queued) {
          try {
            keep(await routeInbound(deps, { ...sender, channelKind, messageId: q.messageId, text: q.body }));
          } catch (err) {
            // Later messages of this sender wait behind this one: order matters more than speed.
            await routingFailed(deps.db, q.messageId, (err as Error).message);
            deps.log.warn({ err, messageId: q.messageId, attempts: q.attempts + 1 }, 'inbound routing failed; it is retried');
            return;
          }
          await dequeue(deps.db, q.messageId);
        }
      }
    });
  }

  function kick(sender: InboundSender): Promise<void> {
    const key = `${sender.channelId}\n${sender.address}`;
    const next = (chains.get(key) ?? Promise.resolve())
      .then(() => gate(() => routeSender(sender)))
      .catch((err) => {
        deps.log.warn({ err }, 'inbound relay could not reach the database');
      });
    chains.set(key, next);
    void next.then(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
    return next;
  }

  async function sweep() {
    try {
      const due = await sendersDue(deps.db, SWEEP_AGE_MS);
      await Promise.all(due.map(kick));
    } catch (err) {
      deps.log.warn({ err }, 'inbound relay sweep failed');
    }
  }

  return {
    kick,
    result: (messageId) => results.get(messageId),
    start(sweepMs) {
      const tick = () => {
        sweeping = sweep().finally(() => {
          if (timer) timer = setTimeout(tick, sweepMs);
        });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await sweeping;
      await Promise.all(chains.values());
    },
  };
}

/** Runs at most `n` of the given tasks at once. */
function semaphore(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next in line, so none jumps the queue.
    if (running < n) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
