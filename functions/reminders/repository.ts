import type { StoredAppointment } from '#contexts/agenda';
import { tableName } from '#shared/db/client';
import { keys, type TableKey } from '#shared/db/keys';
import {
  getItem,
  type Item,
  isConditionalCheckFailure,
  type Lookup,
  putItem,
  queryCollection,
  queryIndex,
  queryPage,
  stripKeys,
  type TransactItem,
  updateItem,
} from '#shared/db/table';
import { bucketOf, type PlannedReminder, shardOf } from './planning';
import { DEFAULT_RULES } from './defaults';
import type { Channel, MessageView, Notice, ReminderPreferences, ReminderRules } from './schemas';

/**
 * Reminder items (docs/DATA_MODEL.md, decision 0021). A reminder is planned in the appointment's
 * item collection, in the agenda's transaction; the dispatcher claims it (a conditional write that
 * takes it out of the due index), sends it and records the provider's answer on the same item,
 * which from then on is the message's record: the appointment's and the patient's message lists
 * and the provider's events all find it.
 */

// --- Rules and preferences ----------------------------------------------------------------------

const rulesFromItem = (item: Item | undefined): ReminderRules =>
  item ? ({ ...DEFAULT_RULES, ...stripKeys(item) } as ReminderRules) : DEFAULT_RULES;

export const rulesLookup = (centreId: string): Lookup<ReminderRules> => ({
  key: keys.reminderRules(centreId),
  read: rulesFromItem,
});

/** Replaces the rules if their version is still the one read (0: none stored yet). */
export async function putRules(centreId: string, rules: ReminderRules, expectedVersion: number) {
  await putItem(
    { ...keys.reminderRules(centreId), entity: 'ReminderRules', ...rules },
    expectedVersion === 0
      ? { expression: 'attribute_not_exists(pk)' }
      : { expression: 'version = :v', values: { ':v': expectedVersion } },
  );
}

export type StoredPreferences = Omit<ReminderPreferences, 'patientId'>;

export const preferencesLookup = (centreId: string, patientId: string): Lookup<StoredPreferences | undefined> => ({
  key: keys.reminderPreferences(centreId, patientId),
  read: (item) => (item ? (stripKeys(item) as unknown as StoredPreferences) : undefined),
});

/** Puts a patient's preferences if their version is still the one read (0: none stored yet). */
export function preferencesPut(
  centreId: string,
  patientId: string,
  p: StoredPreferences,
  expectedVersion: number,
): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.reminderPreferences(centreId, patientId), entity: 'ReminderPreferences', ...p },
      ...(expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
    },
  };
}

// --- Planned reminders (written in the agenda's transactions) ------------------------------------

/** Messages are kept 13 months after the appointment (tracking, disputes), then expire. */
const messageTtl = (start: string) => Math.floor(Date.parse(start) / 1000) + 400 * 86_400;

export interface StoredReminder {
  centreId: string;
  appointmentId: string;
  patientId: string;
  practitionerId: string;
  appointmentTypeId: string;
  appointmentStart: string;
  timeZone: string;
  ruleKey: string;
  /** The channel planned; the one used is `channel` once claimed (`fallbackFrom` the planned one). */
  channel: Channel;
  dueAt: string;
  status: 'pending' | 'sending' | 'unconfirmed' | 'accepted' | 'delivered' | 'failed' | 'skipped';
  plannedAt: string;
  withdrawnAt?: string;
  reason?: string;
  messageId?: string;
  claimedAt?: string;
  recipient?: string;
  fallbackFrom?: Channel;
  attempt?: number;
  provider?: 'ses' | 'sns';
  providerMessageId?: string;
  sentAt?: string;
  deliveredAt?: string;
  failedAt?: string;
  openedAt?: string;
  clickedAt?: string;
  answer?: 'confirmed' | 'cancelled';
  /** The item's own key (kept from the table item: the dispatcher writes back to it). */
  pk: string;
  sk: string;
}

export function reminderKey(a: Pick<StoredAppointment, 'centreId' | 'appointmentId' | 'sequence'>, ruleKey: string) {
  return keys.reminder(a.centreId, a.appointmentId, a.sequence, ruleKey);
}

/** The due-index attributes of a reminder (its shard from its own key). */
export const dueIndex = (key: TableKey, dueAt: string) =>
  keys.remindersDueIndex(bucketOf(dueAt), shardOf(`${key.pk}#${key.sk}`), dueAt, key);

export function reminderPut(a: StoredAppointment, r: PlannedReminder, now: string): TransactItem {
  const key = reminderKey(a, r.ruleKey);
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...key,
        ...dueIndex(key, r.dueAt),
        entity: 'Reminder',
        centreId: a.centreId,
        appointmentId: a.appointmentId,
        patientId: a.patientId,
        practitionerId: a.practitionerId,
        appointmentTypeId: a.appointmentTypeId,
        appointmentStart: a.start,
        timeZone: a.timeZone,
        ruleKey: r.ruleKey,
        channel: r.channel,
        dueAt: r.dueAt,
        status: 'pending',
        plannedAt: now,
        ttl: messageTtl(a.start),
      },
    },
  };
}

/**
 * Withdraws a planned reminder (its appointment moved or was cancelled): out of the due index, so
 * no dispatcher finds it again, and marked so that a claim racing with it fails. Unconditional: it
 * must never refuse the agenda's change; a reminder already sent keeps its record.
 */
export const reminderWithdraw = (key: TableKey, now: string): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: key,
    UpdateExpression: 'SET withdrawnAt = :now REMOVE gsi1pk, gsi1sk',
    ExpressionAttributeValues: { ':now': now },
  },
});

/** Removes a reminder planned by a booking that is being taken back (a series booked in part). */
export const reminderDelete = (key: TableKey): TransactItem => ({ Delete: { TableName: tableName, Key: key } });

// --- The dispatcher -----------------------------------------------------------------------------

export const reminderFromItem = (item: Item) => item as unknown as StoredReminder;

/** One page of a due bucket's shard: reminders due at or before `now` (an eventually consistent index). */
export async function dueReminders(bucket: string, shard: number, now: string, startKey?: Item) {
  const index = keys.remindersDueIndex(bucket, shard);
  const page = await queryPage({
    index: 'gsi1',
    partition: { name: 'gsi1pk', value: index.gsi1pk },
    sort: { name: 'gsi1sk', before: `${now}~` },
    limit: 1000,
    startKey,
  });
  return { items: page.items.map(reminderFromItem), lastKey: page.lastKey };
}

/** An index's key attributes as expression values: `{ gsi1pk, gsi1sk }` → `:g1pk`, `:g1sk` for prefix `:g1`. */
export const indexValues = (prefix: string, index: Record<string, string>) =>
  Object.fromEntries(Object.entries(index).map(([name, value]) => [`${prefix}${name.slice(4)}`, value]));

/** The reminder is still the one found: pending, due when the index said, not withdrawn. */
const stillDue = {
  condition: '#status = :pending AND dueAt = :due AND attribute_not_exists(withdrawnAt)',
  values: (r: StoredReminder) => ({ ':pending': 'pending', ':due': r.dueAt }),
};

/** The claim is still this run's: sending, under the message id it gave. */
const ourClaim = {
  condition: '#status = :sending AND messageId = :m',
  values: (messageId: string) => ({ ':sending': 'sending', ':m': messageId }),
};

/**
 * Claims a due reminder for sending: the one conditional write that makes a send happen at most
 * once, however many dispatchers found it. False when another claimed it first, or it was
 * withdrawn or re-planned meanwhile.
 */
export async function claimReminder(
  r: StoredReminder,
  claim: { messageId: string; channel: Channel; recipient: string; fallbackFrom?: Channel | undefined; at: string },
): Promise<boolean> {
  try {
    await updateItem({
      Key: { pk: r.pk, sk: r.sk },
      ConditionExpression: stillDue.condition,
      UpdateExpression:
        'SET #status = :sending, messageId = :m, channel = :c, recipient = :to, claimedAt = :at, attempt = if_not_exists(attempt, :zero) + :one, gsi2pk = :g2pk, gsi2sk = :g2sk, gsi3pk = :g3pk, gsi3sk = :g3sk' +
        (claim.fallbackFrom ? ', fallbackFrom = :from' : '') +
        ' REMOVE gsi1pk, gsi1sk',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...stillDue.values(r),
        ':sending': 'sending',
        ':m': claim.messageId,
        ':c': claim.channel,
        ':to': claim.recipient,
        ':at': claim.at,
        ':zero': 0,
        ':one': 1,
        ...indexValues(':g2', keys.messageIndex(claim.messageId)),
        ...indexValues(':g3', keys.patientMessagesIndex(r.centreId, r.patientId, claim.at, claim.messageId)),
        ...(claim.fallbackFrom ? { ':from': claim.fallbackFrom } : {}),
      },
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/** Not sent, and why (opted out, no contact, too late, over the limits): out of the index, on record. */
export async function skipReminder(r: StoredReminder, reason: string, at: string): Promise<boolean> {
  try {
    await updateItem({
      Key: { pk: r.pk, sk: r.sk },
      ConditionExpression: stillDue.condition,
      UpdateExpression: 'SET #status = :skipped, reason = :reason, skippedAt = :at REMOVE gsi1pk, gsi1sk',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...stillDue.values(r), ':skipped': 'skipped', ':reason': reason, ':at': at },
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/**
 * Changes a claimed reminder's mind before anything is sent: SMS turned out not possible (the
 * month's cap, the phone's daily limit, both taken only once the claim is won, so a run that loses
 * the claim never holds them), so it goes by e-mail, or it is skipped (out of the patient's list).
 */
export async function reviseClaim(
  key: TableKey,
  messageId: string,
  to: { kind: 'email'; recipient: string; fallbackFrom: Channel } | { kind: 'skip'; reason: string },
  at: string,
) {
  await updateItem({
    Key: key,
    ConditionExpression: ourClaim.condition,
    UpdateExpression:
      to.kind === 'email'
        ? 'SET channel = :email, recipient = :to, fallbackFrom = :from'
        : 'SET #status = :skipped, reason = :reason, skippedAt = :at ADD attempt :minus REMOVE messageId, channel, recipient, claimedAt, fallbackFrom, gsi2pk, gsi2sk, gsi3pk, gsi3sk',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ...ourClaim.values(messageId),
      ...(to.kind === 'email'
        ? { ':email': 'email', ':to': to.recipient, ':from': to.fallbackFrom }
        : { ':skipped': 'skipped', ':reason': to.reason, ':at': at, ':minus': -1 }),
    },
  });
}

/** What the provider answered, recorded on the claimed message (only by the claim that sent it). */
export async function recordSendOutcome(
  key: TableKey,
  messageId: string,
  outcome:
    | { status: 'accepted'; provider: 'ses' | 'sns'; providerMessageId: string; at: string }
    | { status: 'failed' | 'unconfirmed'; reason: string; at: string },
) {
  const accepted = outcome.status === 'accepted';
  const provider = accepted ? keys.providerMessageIndex(outcome.provider, outcome.providerMessageId) : undefined;
  try {
    await updateItem({
      Key: key,
      ConditionExpression: ourClaim.condition,
      UpdateExpression: accepted
        ? 'SET #status = :s, provider = :p, providerMessageId = :pm, sentAt = :at, gsi4pk = :g4pk, gsi4sk = :g4sk'
        : `SET #status = :s, reason = :r, ${outcome.status === 'failed' ? 'failedAt' : 'sentAt'} = :at`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...ourClaim.values(messageId),
        ':s': outcome.status,
        ':at': outcome.at,
        ...(accepted
          ? {
              ':p': outcome.provider,
              ':pm': outcome.providerMessageId,
              ':g4pk': provider!.gsi4pk,
              ':g4sk': provider!.gsi4sk,
            }
          : { ':r': outcome.reason }),
      },
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/**
 * Gives a claim back: the provider certainly did not send it (it asked to slow down), so the
 * reminder is due again at `dueAt`, back in the index, as if never claimed.
 */
export async function returnClaim(key: TableKey, messageId: string, dueAt: string) {
  await updateItem({
    Key: key,
    ConditionExpression: ourClaim.condition,
    UpdateExpression:
      'SET #status = :pending, dueAt = :due, gsi1pk = :g1pk, gsi1sk = :g1sk ADD attempt :minus REMOVE messageId, recipient, claimedAt, fallbackFrom, gsi2pk, gsi2sk, gsi3pk, gsi3sk',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ...ourClaim.values(messageId),
      ':pending': 'pending',
      ':due': dueAt,
      ':minus': -1,
      ...indexValues(':g1', dueIndex(key, dueAt)),
    },
  });
}

export async function readDispatchCursor(): Promise<string | undefined> {
  return (await getItem<{ upTo?: string }>(keys.reminderDispatchCursor(), true))?.upTo;
}

/** Moves the cursor forward only (a late run never takes it back). */
export async function advanceDispatchCursor(upTo: string) {
  try {
    await putItem(
      { ...keys.reminderDispatchCursor(), entity: 'DispatchCursor', upTo },
      { expression: 'attribute_not_exists(upTo) OR upTo < :u', values: { ':u': upTo } },
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
}

// --- Cost guard ---------------------------------------------------------------------------------

/**
 * Reserves up to `wanted` SMS of the centre's month under its cap, in one conditional write:
 * the number granted (0 at the cap). What is not sent is given back with `releaseSms`.
 */
export async function reserveSms(centreId: string, month: string, wanted: number, cap: number): Promise<number> {
  let ask = Math.min(wanted, cap);
  for (let attempt = 0; ask > 0 && attempt < 3; attempt++) {
    try {
      await updateItem({
        Key: keys.smsMonthCounter(centreId, month),
        ConditionExpression: 'attribute_not_exists(sent) OR sent <= :limit',
        UpdateExpression: 'SET entity = :e ADD sent :n',
        ExpressionAttributeValues: { ':limit': cap - ask, ':n': ask, ':e': 'SmsCounter' },
      });
      return ask;
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const current = (await getItem<{ sent?: number }>(keys.smsMonthCounter(centreId, month), true))?.sent ?? 0;
      ask = Math.min(ask, cap - current);
    }
  }
  return 0;
}

export async function releaseSms(centreId: string, month: string, unused: number) {
  if (unused <= 0) return;
  await updateItem({
    Key: keys.smsMonthCounter(centreId, month),
    UpdateExpression: 'ADD sent :n',
    ExpressionAttributeValues: { ':n': -unused },
  });
}

export const smsCounterLookup = (centreId: string, month: string): Lookup<number> => ({
  key: keys.smsMonthCounter(centreId, month),
  read: (item) => (item?.sent as number | undefined) ?? 0,
});

/** Counts one SMS to a phone today; false when the phone already had its daily limit. */
export async function takePhoneAllowance(phoneHash: string, day: string, limit: number): Promise<boolean> {
  try {
    await updateItem({
      Key: keys.smsPhoneCounter(phoneHash, day),
      ConditionExpression: 'attribute_not_exists(sent) OR sent < :limit',
      UpdateExpression: 'SET #ttl = :ttl ADD sent :one',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':limit': limit,
        ':one': 1,
        ':ttl': Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 2 * 86_400,
      },
    });
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/** Gives back one SMS of a phone's day (taken for a reminder whose claim another run won). */
export async function releasePhoneAllowance(phoneHash: string, day: string) {
  await updateItem({
    Key: keys.smsPhoneCounter(phoneHash, day),
    ConditionExpression: 'sent > :zero',
    UpdateExpression: 'ADD sent :minus',
    ExpressionAttributeValues: { ':zero': 0, ':minus': -1 },
  }).catch((error: unknown) => {
    if (!isConditionalCheckFailure(error)) throw error;
  });
}

/** Records a notice once (its id is its identity: a second put of it is refused); true when new. */
export async function putNotice(centreId: string, notice: Notice): Promise<boolean> {
  try {
    await putItem(
      { ...keys.messageNotice(centreId, notice.noticeId), entity: 'MessageNotice', ...notice },
      { expression: 'attribute_not_exists(pk)' },
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

export const noticesPage = (centreId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.messageNoticePrefix(centreId), { limit, startKey, newestFirst: true });

// --- Tracking -----------------------------------------------------------------------------------

export const appointmentMessagesPage = (centreId: string, appointmentId: string, limit: number, startKey?: Item) =>
  queryCollection(keys.remindersOfAppointmentPrefix(centreId, appointmentId), { limit, startKey });

export const patientMessagesPage = (centreId: string, patientId: string, limit: number, startKey?: Item) =>
  queryIndex('gsi3', keys.patientMessagesIndex(centreId, patientId).gsi3pk, '', { limit, startKey, newestFirst: true });

export async function findMessage(messageId: string): Promise<StoredReminder | undefined> {
  const page = await queryIndex('gsi2', keys.messageIndex(messageId).gsi2pk, 'MESSAGE', { limit: 1 });
  return page.items[0] ? reminderFromItem(page.items[0]) : undefined;
}

export async function findByProviderId(provider: string, providerMessageId: string) {
  const page = await queryIndex('gsi4', keys.providerMessageIndex(provider, providerMessageId).gsi4pk, 'MESSAGE', {
    limit: 1,
  });
  return page.items[0] ? reminderFromItem(page.items[0]) : undefined;
}

/** A message past `sending` for this long without the provider's answer is shown as unconfirmed. */
const UNCONFIRMED_AFTER_MS = 15 * 60_000;

/** A reminder as the centre sees it (schemas.ts `messageSchema`). */
export function messageView(r: StoredReminder, now = Date.now()): MessageView {
  const missed = r.status === 'pending' && !r.withdrawnAt && Date.parse(r.appointmentStart) <= now;
  const status =
    r.withdrawnAt && r.status === 'pending'
      ? 'withdrawn'
      : missed
        ? 'skipped'
        : r.status === 'pending'
          ? 'planned'
          : r.status === 'sending' && now - Date.parse(r.claimedAt ?? '') > UNCONFIRMED_AFTER_MS
            ? 'unconfirmed'
            : r.status;
  const optional = <K extends keyof StoredReminder>(...names: K[]) =>
    Object.fromEntries(names.filter((n) => r[n] !== undefined).map((n) => [n, r[n]]));
  return {
    appointmentId: r.appointmentId,
    patientId: r.patientId,
    channel: r.channel,
    status,
    dueAt: r.dueAt,
    appointmentStart: r.appointmentStart,
    // Left pending past its appointment: a run never came within the catch-up window (an outage).
    ...(missed ? { reason: 'not_sent_in_time' } : {}),
    ...optional(
      'messageId',
      ...(missed ? [] : (['reason'] as const)),
      'recipient',
      'fallbackFrom',
      'attempt',
      'sentAt',
      'deliveredAt',
      'failedAt',
      'openedAt',
      'clickedAt',
      'answer',
    ),
  } as MessageView;
}
