import type { ChannelKind } from '../channels';
import { getChannelById } from '../db/channels';
import { type InboundSender, dequeue, giveUpRouting, queuedFrom, routingFailed, sendersDue, withSenderLock } from '../db/inbound-queue';
import type { ApiDeps } from './deps';
import { type InboundResult, routeInbound } from './inbound';
import { rescoreConversation } from '../platform/propensity/service';

type Deps = Pick<ApiDeps, 'db' | 'temporal' | 'config' | 'hashKey' | 'log'>;

/** How a kick ended: the sender's queue drained, a message left for a later try, or another relay at work on it. */
export type KickOutcome = 'drained' | 'failed' | 'busy';

export interface InboundRelay {
  /** Routes the sender's queued messages now. */
  kick(sender: InboundSender): Promise<KickOutcome>;
  /** What routing a message this process routed came to; kept for a short while. */
  result(messageId: string): InboundResult | undefined;
  /** Sweeps for messages left behind (a crash, a failed try whose wait is over) every `sweepMs`. */
  start(sweepMs: number): void;
  /** Stops sweeping, and waits for the routing under way. */
  stop(): Promise<void>;
}

const KEPT_RESULTS = 2_000;
// With the backoff doubling up to 5 minutes, about two hours of tries before a message is given up.
export const MAX_ROUTING_ATTEMPTS = 30;
// A sender another relay held may have had a message queued as that relay finished: look again soon.
const BUSY_RECHECK_MS = 100;

/**
 * Hands stored inbound messages to their conversations after the webhook has been
 * answered, in the API process that stored them. One sender's messages go one at a time, oldest first: in this process by a chain per
 * sender, across processes by the sender's database lock. Senders run side by side up
 * to `concurrency`.
 */
export function createInboundRelay(deps: Deps, concurrency = Math.max(1, Math.floor(deps.config.DATABASE_POOL_MAX / 2))): InboundRelay {
  const chains = new Map<string, Promise<KickOutcome>>();
  // A kick not yet started reads the sender's whole queue when it does: later kicks join it.
  const notStarted = new Map<string, Promise<KickOutcome>>();
  const results = new Map<string, InboundResult>();
  const kinds = new Map<string, ChannelKind>();
  const gate = semaphore(concurrency);
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<void> | undefined;
  let rescan = false;
  let stopped = false;

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

  const routeSender = (sender: InboundSender) =>
    withSenderLock(deps.db, sender, async (): Promise<KickOutcome> => {
      const channelKind = await kindOf(sender.channelId);
      for (;;) {
        const queued = await queuedFrom(deps.db, sender, deps.config.TEMPORAL_TASK_QUEUE);
        if (queued.length === 0) return 'drained';
        for (const q of queued) {
          try {
            const routed = await routeInbound(deps, { ...sender, channelKind, messageId: q.messageId, text: q.body });
            keep(routed);
            // The reply moves the conversation's stored score (campaign priorities read it); the nightly job catches any miss.
            if (routed.conversationId)
              await rescoreConversation(deps.db, routed.conversationId).catch((err) =>
                deps.log.warn({ err, conversationId: routed.conversationId }, 'rescoring the conversation failed'),
              );
          } catch (err) {
            const attempts = q.attempts + 1;
            if (attempts >= MAX_ROUTING_ATTEMPTS) {
              // Hours of tries: the cause will not pass by itself. Keep the message, and let the sender's next ones through.
              await giveUpRouting(deps.db, q.messageId, `not routed after ${attempts} tries: ${(err as Error).message}`);
              deps.log.error({ err, messageId: q.messageId, attempts }, 'inbound routing given up; the message is kept unrouted');
              continue;
            }
            // Later messages of this sender wait behind this one: order matters more than speed.
            await routingFailed(deps.db, q.messageId, (err as Error).message);
            deps.log.warn({ err, messageId: q.messageId, attempts }, 'inbound routing failed; it is retried');
            return 'failed';
          }
          await dequeue(deps.db, q.messageId);
        }
      }
    });

  function kick(sender: InboundSender): Promise<KickOutcome> {
    const key = `${sender.channelId}\n${sender.address}`;
    const joined = notStarted.get(key);
    if (joined) return joined;
    const next = (chains.get(key) ?? Promise.resolve<KickOutcome>('drained'))
      .then(() =>
        gate(() => {
          notStarted.delete(key);
          return routeSender(sender);
        }),
      )
      .catch((err): KickOutcome => {
        deps.log.warn({ err }, 'inbound relay could not reach the database');
        return 'failed';
      });
    chains.set(key, next);
    notStarted.set(key, next);
    void next.then((outcome) => {
      if (chains.get(key) === next) chains.delete(key);
      if (outcome === 'busy') later(BUSY_RECHECK_MS);
    });
    return next;
  }

  /** Kicks every sender with a message due that this process is not already at; one scan at a time, again at once if asked for meanwhile. */
  function scan(): Promise<void> {
    if (scanning) {
      rescan = true;
      return scanning;
    }
    scanning = (async () => {
      do {
        rescan = false;
        try {
          const due = await sendersDue(deps.db, deps.config.TEMPORAL_TASK_QUEUE);
          // Not awaited: a slow sender must not hold up the next scan. A sender already on its way is left to that kick.
          for (const sender of due) if (!chains.has(`${sender.channelId}\n${sender.address}`)) void kick(sender);
        } catch (err) {
          deps.log.warn({ err }, 'inbound relay scan failed');
        }
      } while (rescan && !stopped);
    })().finally(() => (scanning = undefined));
    return scanning;
  }

  const later = (ms: number) => {
    if (!stopped) setTimeout(() => !stopped && void scan(), ms).unref();
  };

  return {
    kick,
    result: (messageId) => results.get(messageId),
    start(sweepMs) {
      const tick = () => {
        void scan().finally(() => {
          if (!stopped) timer = setTimeout(tick, sweepMs).unref();
        });
      };
      timer = setTimeout(tick, sweepMs).unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await scanning;
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
