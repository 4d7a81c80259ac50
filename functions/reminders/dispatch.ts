import { createHash } from 'node:crypto';
import { appointmentLookup, type StoredAppointment } from '#contexts/agenda';
import { centreLookup, type Centre, membershipLookup } from '#contexts/centres';
import { type PatientContact, patientContactLookup } from '#contexts/patients';
import { type AuditActor, type AuditEvent, recordMany } from '#shared/audit/audit';
import { batchLookup, type Lookup } from '#shared/db/table';
import { escapeHtml } from '#shared/http/html';
import { logger } from '#shared/logger';
import { newId } from '#shared/ids';
import type { JobSummary, ScheduledRun } from '#shared/jobs/pipeline';
import { mailer } from '#shared/messaging/mailer';
import { sendOutcome } from '#shared/messaging/outcome';
import { smsSender } from '#shared/messaging/sms';
import { linkToken, linkUrl } from './links';
import { notifySmsCap, reportRefusals } from './notices';
import { bucketsBetween, CLAIM_CHUNK, DUE_SHARDS } from './planning';
import {
  advanceDispatchCursor,
  claimReminder,
  dueReminders,
  preferencesLookup,
  readDispatchCursor,
  recordSendOutcome,
  releasePhoneAllowance,
  returnClaim,
  reviseClaim,
  releaseSms,
  reserveSms,
  rulesLookup,
  skipReminder,
  type StoredPreferences,
  type StoredReminder,
  takePhoneAllowance,
} from './repository';
import type { Channel, DispatchPayload, ReminderRules } from './schemas';
import { type ReminderLocale, reminderLocales, renderReminder } from './templates';

/**
 * The dispatcher (schedule `reminders-dispatch`, every 5 minutes). It reads the due index's buckets
 * from its last run to now, every shard (no Scan, no loop over centres), and for each reminder:
 * reads what sending needs (centre, rules, patient contact, preference, practitioner — one
 * BatchGetItem per 100 keys for a whole batch), decides the channel (opt-outs, missing contact),
 * claims it with a conditional write, then — the claim won — takes the SMS cap's unit and the
 * phone's daily allowance (falling back to e-mail without them), sends it, and records the
 * provider's answer on it. Limits taken only after the claim: a run that loses a claim never
 * holds a phone's allowance another run's winning claim needed.
 *
 * Exactly once: only the claim's winner sends; a reminder found again (the schedule firing twice,
 * two runs overlapping, an eventually consistent index) fails its claim. A crash between the
 * provider's acceptance and the record leaves it `sending` — shown as unconfirmed, never sent
 * again; so does a send whose outcome is unknown (a timeout). Catching up after an outage: due
 * reminders are sent only while the appointment is at least the centre's `minLeadMinutes` ahead.
 */

/** The first run (no cursor) looks back this far. */
const FIRST_RUN_LOOKBACK_MS = 30 * 60_000;
/** Each run reads again the buckets of the last 10 minutes: the due index is eventually consistent. */
const INDEX_LAG_MS = 10 * 60_000;
const QUERY_CONCURRENCY = 16;
/** A reminder is due within 10 minutes after its time (N1): sent then, it is on time. */
const ON_TIME_MS = 10 * 60_000;
const SEND_CONCURRENCY = 32;

/** What a run reports, per outcome (JobSummary: counts only, nothing personal). */
const noCounts = () => ({
  sent: 0,
  skipped: 0,
  failed: 0,
  unknown: 0,
  unrecorded: 0,
  throttled: 0,
  errors: 0,
  lost: 0,
});

const SYSTEM = (centreId: string) => ({ userId: 'reminders-dispatch', centreId, role: 'system' as const });

export async function dispatchReminders(run: ScheduledRun<DispatchPayload>): Promise<JobSummary> {
  const now = run.now.toISOString();
  const nowMs = run.now.getTime();
  const cursor = await readDispatchCursor();
  const earliest = nowMs - run.payload.maxCatchUpHours * 3_600_000;
  // From the last run (less the index's lag), at most maxCatchUpHours back, and never less than
  // the lag itself (a run older than the cursor — a late delivery — still reads its own window).
  const from = Math.min(
    nowMs - INDEX_LAG_MS,
    Math.max(earliest, cursor ? Date.parse(cursor) - INDEX_LAG_MS : nowMs - FIRST_RUN_LOOKBACK_MS),
  );
  const due = await findDue(new Date(from).toISOString(), now);
  const totals: Record<string, number> = { due: due.length, ...noCounts() };
  for (let i = 0; i < due.length; i += run.payload.batchSize) {
    const counts = await dispatchBatch(due.slice(i, i + run.payload.batchSize), run);
    for (const [k, v] of Object.entries(counts)) totals[k]! += v;
  }
  await advanceDispatchCursor(now);
  return {
    ...totals,
    from: new Date(from).toISOString(),
    buckets: bucketsBetween(new Date(from).toISOString(), now).length,
  };
}

/**
 * Every pending reminder due by `to` in the hours from `from`'s: one Query per hour and shard (and
 * page). A pending one due before `from` in those hours (a run that died half-way) is taken too.
 */
async function findDue(from: string, to: string): Promise<StoredReminder[]> {
  const partitions = bucketsBetween(from, to).flatMap((bucket) =>
    Array.from({ length: DUE_SHARDS }, (_, shard) => ({ bucket, shard })),
  );
  const found = new Map<string, StoredReminder>();
  await inParallel(partitions, QUERY_CONCURRENCY, async ({ bucket, shard }) => {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dueReminders(bucket, shard, to, startKey);
      for (const r of page.items) found.set(`${r.pk}#${r.sk}`, r);
      startKey = page.lastKey;
    } while (startKey);
  });
  // By centre, then due time: a batch then spans few centres, so their context, SMS reservations and
  // audit records are few requests (the whole set is due: the order within it hardly matters).
  return [...found.values()].sort((a, b) => a.centreId.localeCompare(b.centreId) || a.dueAt.localeCompare(b.dueAt));
}

interface Context {
  centres: Map<string, Centre | undefined>;
  rules: Map<string, ReminderRules>;
  patients: Map<string, PatientContact | undefined>;
  preferences: Map<string, StoredPreferences | undefined>;
  practitioners: Map<string, string>;
  /** Each reminder's appointment as it is now (its place may have changed since planning). */
  appointments: Map<string, StoredAppointment | undefined>;
}

/** Reads a batch's context in one go: each distinct key once, 100 keys per BatchGetItem. */
async function readContext(batch: StoredReminder[]): Promise<Context> {
  const distinct = <T>(make: (r: StoredReminder) => [string, Lookup<T>]) => new Map(batch.map(make));
  const centres = distinct((r) => [r.centreId, centreLookup(r.centreId)]);
  const rules = distinct((r) => [r.centreId, rulesLookup(r.centreId)]);
  const patients = distinct((r) => [`${r.centreId}#${r.patientId}`, patientContactLookup(r.centreId, r.patientId)]);
  const preferences = distinct((r) => [`${r.centreId}#${r.patientId}`, preferencesLookup(r.centreId, r.patientId)]);
  const practitioners = distinct((r) => [
    `${r.centreId}#${r.practitionerId}`,
    membershipLookup(r.centreId, r.practitionerId),
  ]);
  const appointments = distinct((r) => [
    `${r.centreId}#${r.appointmentId}`,
    appointmentLookup(r.centreId, r.appointmentId),
  ]);
  const groups = [centres, rules, patients, preferences, practitioners, appointments] as Map<string, Lookup<unknown>>[];
  const values = await batchLookup(...groups.flatMap((g) => [...g.values()]));
  let i = 0;
  const [c, ru, pa, pr, me, ap] = groups.map((g) => new Map([...g.keys()].map((k) => [k, values[i++]])));
  return {
    centres: c as Context['centres'],
    rules: ru as Context['rules'],
    patients: pa as Context['patients'],
    preferences: pr as Context['preferences'],
    appointments: ap as Context['appointments'],
    practitioners: new Map(
      [...me!].map(([k, m]) => [
        k,
        m ? `${(m as { firstName: string }).firstName} ${(m as { lastName: string }).lastName}` : '',
      ]),
    ),
  };
}

type Decision =
  { kind: 'skip'; reason: string } | { kind: 'send'; channel: Channel; recipient: string; fallbackFrom?: Channel };
type Send = Extract<Decision, { kind: 'send' }>;
/** A claim this run won: the reminder is its to send. */
interface Won {
  r: StoredReminder;
  d: Send;
  messageId: string;
}

/** Channel and recipient, from the patient's contact and opt-outs (before the SMS limits). */
export function decide(
  r: StoredReminder,
  appointment: Pick<StoredAppointment, 'start' | 'status'> | undefined,
  centre: Centre | undefined,
  rules: ReminderRules,
  patient: PatientContact | undefined,
  preferences: StoredPreferences | undefined,
  nowMs: number,
): Decision {
  if (!centre || centre.status !== 'active') return { kind: 'skip', reason: 'centre_closed' };
  if (!rules.enabled) return { kind: 'skip', reason: 'reminders_disabled' };
  // The agenda withdraws a reminder in the transaction that moves or cancels its appointment: this
  // only guards against a reminder planned by an older version or written by hand.
  if (appointment?.start !== r.appointmentStart || !['booked', 'confirmed'].includes(appointment.status))
    return { kind: 'skip', reason: 'appointment_changed' };
  // On time (within the 10 minutes a reminder may take), it goes while the appointment is ahead;
  // caught up later (an outage), only while the appointment is still minLeadMinutes ahead.
  const lead = Date.parse(r.appointmentStart) - nowMs;
  const late = nowMs - Date.parse(r.dueAt) > ON_TIME_MS;
  if (lead <= 0 || (late && lead < rules.catchUp.minLeadMinutes * 60_000)) return { kind: 'skip', reason: 'too_late' };
  if (!patient || patient.status !== 'active') return { kind: 'skip', reason: 'no_patient' };
  const optOut = preferences?.optOut ?? { sms: false, email: false };
  const email = patient.email && !optOut.email ? patient.email : undefined;
  if (r.channel === 'email')
    return email ? { kind: 'send', channel: 'email', recipient: email } : skipWhy(optOut.email);
  if (optOut.sms) return { kind: 'skip', reason: 'opted_out' };
  if (patient.phone) return { kind: 'send', channel: 'sms', recipient: patient.phone };
  return email ? { kind: 'send', channel: 'email', recipient: email, fallbackFrom: 'sms' } : skipWhy(false);
}

const skipWhy = (optedOut: boolean): Decision => ({ kind: 'skip', reason: optedOut ? 'opted_out' : 'no_contact' });

async function dispatchBatch(batch: StoredReminder[], run: ScheduledRun<DispatchPayload>) {
  const nowMs = run.now.getTime();
  const at = run.now.toISOString();
  const month = at.slice(0, 7);
  /** A claim given back is due again a minute from now (the next run finds it in its window). */
  const retryAt = new Date(nowMs + 60_000).toISOString();
  const ctx = await readContext(batch);
  const counts = noCounts();
  const decided = batch.map((r) => {
    const key = `${r.centreId}#${r.patientId}`;
    return {
      r,
      d: decide(
        r,
        ctx.appointments.get(`${r.centreId}#${r.appointmentId}`),
        ctx.centres.get(r.centreId),
        ctx.rules.get(r.centreId)!,
        ctx.patients.get(key),
        ctx.preferences.get(key),
        nowMs,
      ),
    };
  });

  const usedSms = new Map<string, number>();
  const useSms = (centreId: string, n: number) => usedSms.set(centreId, (usedSms.get(centreId) ?? 0) + n);
  const reserved = new Map<string, number>();
  const capped = new Set<string>();
  /** Whether a won SMS claim may go: a unit of the centre's reservation, then the phone's allowance. */
  const smsLimit = async (r: StoredReminder, phone: string) => {
    if ((reserved.get(r.centreId) ?? 0) - (usedSms.get(r.centreId) ?? 0) <= 0) {
      if (!capped.has(r.centreId)) {
        capped.add(r.centreId);
        await notifySmsCap(r.centreId, month, ctx.centres.get(r.centreId)!, run.origin);
      }
      return 'sms_cap';
    }
    useSms(r.centreId, 1);
    const limit = ctx.rules.get(r.centreId)!.sms.perPhoneDailyLimit;
    if (await takePhoneAllowance(phoneHash(phone), at.slice(0, 10), limit)) return undefined;
    useSms(r.centreId, -1);
    return 'sms_limit';
  };
  const audit: { actor: AuditActor; event: AuditEvent }[] = [];
  const sentAudit = (r: StoredReminder, messageId: string, fields: string[]) =>
    audit.push({
      actor: SYSTEM(r.centreId),
      event: { action: 'reminder.send', patientId: r.patientId, recordIds: [r.appointmentId, messageId], fields },
    });
  const refused = new Map<string, { r: StoredReminder & { messageId: string }; reason: string }[]>();

  /** Skips, or claims as decided: the claims won, to send (another run won the others, or they were withdrawn). */
  const claimOne = async (x: (typeof decided)[number]) => {
    const { r, d } = x;
    if (d.kind === 'skip') {
      if (await skipReminder(r, d.reason, at)) counts.skipped++;
      else counts.lost++;
      return undefined;
    }
    const messageId = newId();
    if (
      await claimReminder(r, {
        messageId,
        channel: d.channel,
        recipient: d.recipient,
        fallbackFrom: d.fallbackFrom,
        at,
      })
    )
      return { r, d, messageId };
    counts.lost++;
    return undefined;
  };

  /**
   * The SMS cap, for the SMS claims won: one reservation per centre (those beyond it go by e-mail).
   * The claims to send; when the cap cannot be reserved, the SMS ones are given back for the next run.
   */
  const reserveFor = async (won: Won[]): Promise<Won[]> => {
    const wanted = new Map<string, number>();
    for (const w of won) if (w.d.channel === 'sms') wanted.set(w.r.centreId, (wanted.get(w.r.centreId) ?? 0) + 1);
    try {
      await Promise.all(
        [...wanted].map(async ([centreId, n]) => {
          const granted = await reserveSms(centreId, month, n, ctx.rules.get(centreId)!.sms.monthlyCap);
          reserved.set(centreId, (reserved.get(centreId) ?? 0) + granted);
        }),
      );
      return won;
    } catch (error) {
      logger.warn('SMS cap not reserved', { error: (error as Error).name });
      const [sms, others] = [won.filter((w) => w.d.channel === 'sms'), won.filter((w) => w.d.channel !== 'sms')];
      const giveBack = (w: Won) => returnClaim({ pk: w.r.pk, sk: w.r.sk }, w.messageId, retryAt);
      await Promise.all(sms.map(isolated(giveBack, (w) => w.r.centreId)));
      return others;
    }
  };

  const sendOne = async ({ r, d: decision, messageId }: Won) => {
    let d: Decision = decision;
    const key = { pk: r.pk, sk: r.sk };
    // Nothing is sent yet: trouble here gives the claim back (and the SMS allowance), for the next run.
    let phoneTaken = false;
    const notSent = async () => {
      if (d.kind !== 'send' || d.channel !== 'sms' || !phoneTaken) return;
      useSms(r.centreId, -1);
      await releasePhoneAllowance(phoneHash(d.recipient), at.slice(0, 10));
    };
    let message: Awaited<ReturnType<typeof compose>>;
    try {
      if (d.channel === 'sms') {
        const over = await smsLimit(r, d.recipient);
        phoneTaken = !over;
        if (over) {
          d = fallBack(r, ctx, over);
          await reviseClaim(key, messageId, d.kind === 'send' ? { ...d, kind: 'email', fallbackFrom: 'sms' } : d, at);
          if (d.kind === 'skip') {
            counts.skipped++;
            return;
          }
        }
      }
      // Everything but the provider's call happens before it: only the provider's answer is judged.
      message = await compose(r, d, messageId, ctx);
    } catch (error) {
      await notSent();
      await returnClaim(key, messageId, retryAt);
      throw error;
    }
    const send = d;
    let sent: Awaited<ReturnType<typeof deliver>>;
    try {
      sent = await deliver(send, message);
    } catch (error) {
      const name = (error as Error).name;
      if (sendOutcome(error) === 'unknown') {
        // The provider may have accepted it: never sent again (decision 0021), and on the patient's trail.
        sentAudit(r, messageId, [send.channel, 'unconfirmed']);
        await recordSendOutcome(key, messageId, { status: 'unconfirmed', reason: name, at });
        counts.unknown++;
        return;
      }
      await notSent();
      if (THROTTLED.has(name)) {
        // Certainly not sent, the provider only asks to slow down: due again at the next run.
        await returnClaim(key, messageId, retryAt);
        counts.throttled++;
        return;
      }
      await recordSendOutcome(key, messageId, { status: 'failed', reason: `rejected: ${name}`, at });
      refused.set(r.centreId, [
        ...(refused.get(r.centreId) ?? []),
        { r: { ...r, messageId }, reason: `rejected: ${name}` },
      ]);
      counts.failed++;
      return;
    }
    // Sent: recorded in the patient's trail whatever happens to the record below.
    sentAudit(r, messageId, [send.channel]);
    try {
      await recordSendOutcome(key, messageId, { status: 'accepted', ...sent, at: new Date().toISOString() });
      counts.sent++;
    } catch {
      // Accepted by the provider but not recorded (the table refused the write): it stays `sending`,
      // listed as unconfirmed, and is never sent again — the crash window, handled the same way.
      counts.unrecorded++;
    }
  };

  /** One reminder's trouble (the table throttled, a transaction in the way) is not the batch's. */
  const isolated =
    <T, R>(work: (item: T) => Promise<R>, centreOf: (item: T) => string) =>
    async (item: T): Promise<R | undefined> => {
      try {
        return await work(item);
      } catch (error) {
        logger.warn('reminder not dispatched', { centreId: centreOf(item), error: (error as Error).name });
        counts.errors++;
        return undefined;
      }
    };

  try {
    // In chunks, each in three steps: the claims (exactly once), the SMS cap for the SMS claims won
    // (a run that lost claims never holds what the winner needs), then the limits per phone, the
    // sends and their records. A chunk bounds what a crash leaves claimed but not sent (unconfirmed).
    for (let i = 0; i < decided.length; i += CLAIM_CHUNK) {
      const won: Won[] = [];
      await inParallel(
        decided.slice(i, i + CLAIM_CHUNK),
        SEND_CONCURRENCY,
        isolated(
          async (x) => {
            const w = await claimOne(x);
            if (w) won.push(w);
          },
          (x) => x.r.centreId,
        ),
      );
      await inParallel(
        await reserveFor(won),
        SEND_CONCURRENCY,
        isolated(sendOne, (w) => w.r.centreId),
      );
    }
  } finally {
    // SMS reserved but not sent (fallbacks, refusals) go back under the cap; what was sent is on the
    // patients' trails; the centres hear once per batch of what the provider refused.
    await Promise.all([
      ...[...reserved].map(([centreId, n]) => releaseSms(centreId, month, n - (usedSms.get(centreId) ?? 0))),
      recordMany(run.origin, audit),
      ...[...refused].map(([centreId, list]) => reportRefusals(centreId, list, run.origin)),
    ]);
  }
  return counts;
}

/** SMS not possible (cap, per-phone limit): e-mail if the patient has one and accepts it. */
function fallBack(r: StoredReminder, ctx: Context, reason: string): Decision {
  const key = `${r.centreId}#${r.patientId}`;
  const email = ctx.patients.get(key)?.email;
  if (email && !ctx.preferences.get(key)?.optOut.email)
    return { kind: 'send', channel: 'email', recipient: email, fallbackFrom: 'sms' };
  return { kind: 'skip', reason };
}

/** The message as the patient gets it: recipient, text (and subject, HTML), in their language. */
async function compose(r: StoredReminder, d: Extract<Decision, { kind: 'send' }>, messageId: string, ctx: Context) {
  const centre = ctx.centres.get(r.centreId)!;
  const rules = ctx.rules.get(r.centreId)!;
  const patient = ctx.patients.get(`${r.centreId}#${r.patientId}`)!;
  const appointment = ctx.appointments.get(`${r.centreId}#${r.appointmentId}`);
  const locale = (reminderLocales as readonly string[]).includes(patient.locale ?? '')
    ? (patient.locale as ReminderLocale)
    : centre.locale;
  // A patient who refused the portal (R5) gets no links to answer online.
  const token = patient.portalOptOut ? undefined : await linkToken(messageId);
  const rendered = renderReminder({
    locale,
    channel: d.channel,
    custom: rules.templates[locale],
    values: {
      firstName: patient.firstName,
      start: r.appointmentStart,
      timeZone: r.timeZone,
      practitioner: ctx.practitioners.get(`${r.centreId}#${r.practitionerId}`) ?? '',
      location: centre.locations.find((l) => l.locationId === appointment?.locationId)?.name,
      centre: centre.name,
      confirmLink: token ? linkUrl(token, 'confirm') : '',
      cancelLink: token ? linkUrl(token, 'cancel') : '',
    },
  });
  return {
    to: d.recipient,
    messageId,
    subject: rendered.subject ?? centre.name,
    text: rendered.text,
    senderId: rules.sms.senderId,
  };
}

/**
 * The provider's call, and nothing else (its error is the provider's answer). The local outbox
 * senders stand in for SNS and SES: their ids play the providers' ids, so the providers' sample
 * events replay locally as deployed.
 */
async function deliver(d: Extract<Decision, { kind: 'send' }>, m: Awaited<ReturnType<typeof compose>>) {
  if (d.channel === 'sms') {
    const out = await smsSender().send({ to: m.to, text: m.text, kind: 'appointment-reminder', senderId: m.senderId });
    return { provider: 'sns' as const, providerMessageId: out.messageId };
  }
  const out = await mailer().send({
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: htmlOf(m.text),
    kind: 'appointment-reminder',
    tags: { messageId: m.messageId },
  });
  return { provider: 'ses' as const, providerMessageId: out.messageId };
}

/** Provider errors that only ask to slow down: the message was not sent and may be sent later. */
const THROTTLED = new Set([
  'ThrottledException',
  'ThrottlingException',
  'TooManyRequestsException',
  'LimitExceededException',
  'KMSThrottlingException',
]);

/** The e-mail's text as HTML (paragraphs, links clickable): SES tracks opens and clicks there. */
export function htmlOf(text: string) {
  const linked = escapeHtml(text).replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
  const paragraphs = linked.split(/\n{2,}/).map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`);
  return `<!doctype html><html><body>${paragraphs.join('')}</body></html>`;
}

const phoneHash = (phone: string) => createHash('sha256').update(phone).digest('base64url');

/** Runs `work` over items with at most `limit` at once. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
