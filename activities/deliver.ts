import { Context } from '@temporalio/activity';
import { type ChannelKind, type ChannelRegistry, type OutboundMessage, type SendResult, kindRules } from '../channels';
import type { Db } from '../db/database';
import { markFailed, markSent } from '../db/messages';
import { type SendRate, takeSendSlot } from '../db/send-rates';
import { ContactStoppedError, ThrottledError } from './errors';
import { isFinalSendError, sendFailure } from './send-failure';

// A slot this close is waited for here; a later one is not taken, and the activity retries then (see takeSlot).
const MAX_SLEEP_MS = 1000;
// Spreads the retries of sends that found no slot, so that they do not all come back at the same moment.
const RETRY_SPREAD_MS = 1000;

/** The channel's configured `ratePerSecond`, else its provider's default; a burst of a tenth of a second's sends. */
export function sendRate(kind: ChannelKind, config: Record<string, unknown>): SendRate {
  const configured = config.ratePerSecond;
  const perSecond = typeof configured === 'number' && configured > 0 ? configured : kindRules(kind).capabilities.defaultRatePerSecond;
  return { perSecond, burst: Math.max(1, Math.ceil(perSecond / 10)) };
}

/**
 * Waits for the channel's next send slot when it is near. When it is not, nothing is booked and the
 * activity fails as throttled until about then: a booked slot that the retry then missed (a late timer,
 * a crashed worker, a campaign paused meanwhile) would be lost to every other sender, and each retry
 * would book another, so a backlog would book the schedule ever further ahead of the sends.
 */
async function takeSlot(db: Db, channelId: string, rate: SendRate): Promise<void> {
  const slot = await takeSendSlot(db, channelId, rate, MAX_SLEEP_MS);
  if ('retryInMs' in slot) {
    const retryAfterMs = Math.ceil(slot.retryInMs + Math.random() * RETRY_SPREAD_MS);
    throw new ThrottledError("the channel's send rate is reached", retryAfterMs);
  }
  if (slot.waitMs > 0) await Context.current().sleep(slot.waitMs);
}

/**
 * One provider call for a stored outbound message, in a slot of the channel's send rate: the message
 * is marked sent, or failed when the provider refuses for good. Errors leave as Temporal should
 * retry them; `onStopped` hears of a provider's word that the person opted out.
 */
export async function deliver(
  deps: { db: Db; channels: ChannelRegistry },
  kind: ChannelKind,
  messageId: string,
  msg: Omit<OutboundMessage, 'attempt'>,
  onStopped?: () => Promise<void>,
): Promise<SendResult> {
  try {
    await takeSlot(deps.db, msg.channelId, sendRate(kind, msg.config));
    const sent = await deps.channels(kind).send({ ...msg, attempt: Context.current().info.attempt });
    await markSent(deps.db, messageId, sent);
    return sent;
  } catch (err) {
    if (isFinalSendError(err)) await markFailed(deps.db, messageId, err.message);
    if (err instanceof ContactStoppedError) await onStopped?.();
    throw sendFailure(err, Context.current().info.attempt);
  }
}
