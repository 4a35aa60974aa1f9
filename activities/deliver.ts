import { Context } from '@temporalio/activity';
import type { ChannelKind, ChannelRegistry, OutboundMessage, SendResult } from '../channels';
import type { Db } from '../db/database';
import { markFailed, markSent } from '../db/messages';
import { ContactStoppedError } from './errors';
import { isFinalSendError, sendFailure } from './send-failure';

/**
 * One provider call for a stored outbound message: the message is marked sent,
 * or failed when the provider refuses for good. Errors leave as Temporal should
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
    const sent = await deps.channels(kind).send({ ...msg, attempt: Context.current().info.attempt });
    await markSent(deps.db, messageId, sent);
    return sent;
  } catch (err) {
    if (isFinalSendError(err)) await markFailed(deps.db, messageId, err.message);
    if (err instanceof ContactStoppedError) await onStopped?.();
    throw sendFailure(err);
  }
}
