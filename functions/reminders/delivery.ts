import { isConditionalCheckFailure, updateItem } from '#shared/db/table';
import { logger } from '#shared/logger';
import type { Origin } from '#shared/origin';
import { reportFailure } from './notices';
import { dueIndex, findByProviderId, findMessage, indexValues, type StoredReminder } from './repository';

/**
 * What happened to a message after the provider accepted it (N2), from the providers' own events
 * (decision 0021):
 * - e-mail: SES publishes delivery, bounce, complaint, open and click events of the configuration
 *   set to EventBridge; a rule sends them to the `message-events` queue; they carry our message id
 *   as a tag;
 * - SMS: SNS writes each SMS's delivery status to CloudWatch Logs (delivery-status logging); a
 *   subscription filter hands the log events to the reminders' jobs function; they name the SNS
 *   message id, found through the provider index.
 * A failed SMS is sent once more (attempt 2, due at once) while the appointment is still ahead;
 * failed again, or a failed e-mail, it is reported to the centre.
 * Every update is idempotent: a provider delivering an event twice changes nothing more.
 */
export interface DeliveryEvent {
  message: { by: 'id'; messageId: string } | { by: 'provider'; provider: 'sns' | 'ses'; providerMessageId: string };
  type: 'delivered' | 'failed' | 'opened' | 'clicked' | 'complained';
  at: string;
  reason?: string;
}

/** A retry needs the appointment at least this far ahead. */
const RETRY_MIN_LEAD_MS = 60 * 60_000;
export const MAX_ATTEMPTS = 2;

export async function recordDelivery(event: DeliveryEvent, origin: Origin): Promise<'recorded' | 'unknown' | 'stale'> {
  const m =
    event.message.by === 'id'
      ? await findMessage(event.message.messageId)
      : await findByProviderId(event.message.provider, event.message.providerMessageId);
  if (!m?.messageId) return 'unknown';
  const key = { pk: m.pk, sk: m.sk };
  // Only the attempt the event is about: after a retry, the first attempt's late events are stale.
  const same = { expr: 'messageId = :m', values: { ':m': m.messageId } };
  try {
    switch (event.type) {
      case 'delivered':
        await updateItem({
          Key: key,
          ConditionExpression: `${same.expr} AND #status IN (:sending, :unconfirmed, :accepted)`,
          UpdateExpression: 'SET #status = :delivered, deliveredAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ...same.values,
            ':sending': 'sending',
            ':unconfirmed': 'unconfirmed',
            ':accepted': 'accepted',
            ':delivered': 'delivered',
            ':at': event.at,
          },
        });
        return 'recorded';
      case 'opened':
      case 'clicked': {
        // The earliest open or click, whatever order the events come in (SQS keeps none).
        const field = event.type === 'opened' ? 'openedAt' : 'clickedAt';
        await updateItem({
          Key: key,
          ConditionExpression: `${same.expr} AND (attribute_not_exists(${field}) OR ${field} > :at)`,
          UpdateExpression: `SET ${field} = :at`,
          ExpressionAttributeValues: { ...same.values, ':at': event.at },
        });
        return 'recorded';
      }
      case 'complained':
        await updateItem({
          Key: key,
          ConditionExpression: same.expr,
          UpdateExpression: 'SET complainedAt = if_not_exists(complainedAt, :at)',
          ExpressionAttributeValues: { ...same.values, ':at': event.at },
        });
        return 'recorded';
      case 'failed':
        return await failed(m, event, origin);
    }
  } catch (error) {
    if (isConditionalCheckFailure(error)) return 'stale';
    throw error;
  }
}

async function failed(m: StoredReminder, event: DeliveryEvent, origin: Origin) {
  const reason = event.reason ?? 'failed';
  const key = { pk: m.pk, sk: m.sk };
  const retry =
    m.channel === 'sms' &&
    (m.attempt ?? 1) < MAX_ATTEMPTS &&
    Date.parse(m.appointmentStart) - Date.now() > RETRY_MIN_LEAD_MS &&
    !m.withdrawnAt;
  const common = {
    ':m': m.messageId,
    ':sending': 'sending',
    ':unconfirmed': 'unconfirmed',
    ':accepted': 'accepted',
    ':delivered': 'delivered',
    ':failure': [{ messageId: m.messageId, reason, at: event.at }],
    ':none': [],
  };
  const condition = 'messageId = :m AND #status IN (:sending, :unconfirmed, :accepted, :delivered)';
  let withdrawn = Boolean(m.withdrawnAt);
  if (retry) {
    try {
      // Back in the due index, due now: the next run claims it again (a new message id, attempt 2).
      const dueAt = new Date().toISOString();
      await updateItem({
        Key: key,
        ConditionExpression: `${condition} AND attribute_not_exists(withdrawnAt)`,
        UpdateExpression:
          'SET #status = :pending, dueAt = :due, gsi1pk = :g1pk, gsi1sk = :g1sk, failures = list_append(if_not_exists(failures, :none), :failure) REMOVE gsi4pk, gsi4sk, deliveredAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ...common,
          ':pending': 'pending',
          ':due': dueAt,
          ...indexValues(':g1', dueIndex(key, dueAt)),
        },
      });
      logger.info('reminder failed; retried once', { messageId: m.messageId });
      return 'recorded' as const;
    } catch (error) {
      // Withdrawn meanwhile (moved, cancelled): not sent again; recorded failed below, not reported.
      if (!isConditionalCheckFailure(error)) throw error;
      withdrawn = true;
    }
  }
  await updateItem({
    Key: key,
    ConditionExpression: condition,
    UpdateExpression:
      'SET #status = :failed, failedAt = :at, reason = :reason, failures = list_append(if_not_exists(failures, :none), :failure)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ...common, ':failed': 'failed', ':at': event.at, ':reason': reason },
  });
  // A reminder of a time the appointment has left (moved, cancelled) is not the centre's concern:
  // the new time has reminders of its own.
  if (!withdrawn) await reportFailure({ ...m, messageId: m.messageId! }, reason, origin);
  return 'recorded' as const;
}

// --- Provider formats ---------------------------------------------------------------------------

/** An SES event as EventBridge delivers it (configuration-set event destination), to ours. */
export function sesEvent(e: {
  'detail-type': string;
  detail: { eventType: string; mail: { messageId: string; tags?: Record<string, string[]> | undefined } } & Record<
    string,
    unknown
  >;
  time?: string | undefined;
}): DeliveryEvent | undefined {
  const ours = e.detail.mail.tags?.messageId?.[0];
  if (!ours) return undefined; // not a reminder (an invitation, a notice)
  const detail = e.detail as Record<string, { timestamp?: string; bounceType?: string; reason?: string } | undefined>;
  const type = e.detail.eventType;
  const section = detail[type.charAt(0).toLowerCase() + type.slice(1)];
  const at = section?.timestamp ?? e.time ?? new Date().toISOString();
  const message = { by: 'id' as const, messageId: ours };
  switch (type) {
    case 'Delivery':
      return { message, type: 'delivered', at };
    case 'Open':
      return { message, type: 'opened', at };
    case 'Click':
      return { message, type: 'clicked', at };
    case 'Complaint':
      return { message, type: 'complained', at };
    case 'Bounce':
      // A transient bounce is SES still trying: only a permanent one fails the message.
      return section?.bounceType === 'Permanent' ? { message, type: 'failed', at, reason: 'bounced' } : undefined;
    case 'Reject':
    case 'RenderingFailure':
      return { message, type: 'failed', at, reason: type === 'Reject' ? 'rejected' : 'rendering_failure' };
    default:
      return undefined; // Send, DeliveryDelay, Subscription: nothing to record
  }
}

/** One SNS SMS delivery-status log line (CloudWatch Logs), to ours. */
export function snsSmsLog(line: string): DeliveryEvent | undefined {
  let parsed: {
    notification?: { messageId?: string; timestamp?: string };
    delivery?: { providerResponse?: string };
    status?: string;
  };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    return undefined;
  }
  const id = parsed.notification?.messageId;
  if (!id || (parsed.status !== 'SUCCESS' && parsed.status !== 'FAILURE')) return undefined;
  const at = parsed.notification?.timestamp
    ? new Date(parsed.notification.timestamp.replace(' ', 'T') + 'Z').toISOString()
    : new Date().toISOString();
  return parsed.status === 'SUCCESS'
    ? { message: { by: 'provider', provider: 'sns', providerMessageId: id }, type: 'delivered', at }
    : {
        message: { by: 'provider', provider: 'sns', providerMessageId: id },
        type: 'failed',
        at,
        reason: (parsed.delivery?.providerResponse ?? 'failed').slice(0, 200),
      };
}
