import { centreLookup, membershipLookup } from '#contexts/centres';
import { appointmentLookup } from '#contexts/agenda';
import { patientLookup } from '#contexts/patients';
import type { Actor } from '#shared/access/actor';
import {
  assertMayEditReminderRules,
  assertPatientVisible,
  authorize,
  canSeePractitionerPatients,
} from '#shared/access/policy';
import { auditPut, recordRead } from '#shared/audit/audit';
import { batchLookup, isConditionalCheckFailure, transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, notFound, ruleViolation } from '#shared/errors';
import type { Cursors } from '#shared/http/cursor';
import { newId } from '#shared/ids';
import type { Origin } from '#shared/origin';
import {
  appointmentMessagesPage,
  messageView,
  noticesPage,
  patientMessagesPage,
  preferencesLookup,
  preferencesPut,
  putRules,
  reminderFromItem,
  rulesLookup,
  smsCounterLookup,
} from './repository';
import type { Notice, ReminderRules, Rule, UpdateReminderRulesInput } from './schemas';
import { previewValues, renderReminder, smsSegments } from './templates';

/**
 * Reminder rules, a patient's preference, previews and the message lists (N1, N2, M9). The rules
 * are one item per centre (the centre's, each practitioner's, the patient-preference mode, texts,
 * SMS limits), read by every booking in its own BatchGetItem; a change applies to bookings and
 * moves made after it (decision 0021).
 */

const month = () => new Date().toISOString().slice(0, 7);

function rulesView(rules: ReminderRules, sentThisMonth: number) {
  const { sms, ...rest } = rules;
  return { ...rest, sms: { ...sms, sentThisMonth } };
}

export async function listReminderRules(actor: Actor) {
  authorize(actor, 'reminders:read');
  const [rules, sent] = await batchLookup(rulesLookup(actor.centreId), smsCounterLookup(actor.centreId, month()));
  return rulesView(rules, sent);
}

const withIds = (rules: { ruleId?: string | undefined }[]) =>
  rules.map((r) => ({ ...r, ruleId: r.ruleId ?? newId() }) as Rule);

async function replaceRules(actor: Actor, current: ReminderRules, next: ReminderRules, expectedVersion: number) {
  if (current.version !== expectedVersion)
    throw conflict('version_conflict', 'The reminder rules were changed meanwhile: reload and retry', {
      currentVersion: current.version,
    });
  const stored = {
    ...next,
    version: expectedVersion + 1,
    updatedAt: new Date().toISOString(),
    updatedBy: actor.userId,
  };
  try {
    await putRules(actor.centreId, stored, expectedVersion);
  } catch (error) {
    if (isConditionalCheckFailure(error))
      throw conflict('version_conflict', 'The reminder rules were changed meanwhile: reload and retry');
    if ((error as Error).name === 'ValidationException' && /item size/i.test((error as Error).message))
      throw ruleViolation('rules_too_large', 'The reminder rules are too large to store: use fewer type filters', {
        fields: [{ field: 'body', message: 'over the 400 KB a rules document may take' }],
      });
    throw error;
  }
  return stored;
}

export async function updateReminderRules(actor: Actor, input: UpdateReminderRulesInput) {
  authorize(actor, 'reminders:configure');
  const [current, sent] = await batchLookup(rulesLookup(actor.centreId), smsCounterLookup(actor.centreId, month()));
  const practitioners = input.practitioners
    ? Object.fromEntries(
        Object.entries(input.practitioners).map(([id, p]) => [
          id,
          { rules: withIds(p.rules), replaceCentreRules: p.replaceCentreRules },
        ]),
      )
    : current.practitioners;
  const stored = await replaceRules(
    actor,
    current,
    {
      enabled: input.enabled,
      rules: withIds(input.rules),
      practitioners,
      patientPreference: input.patientPreference,
      templates: input.templates ?? {},
      sms: input.sms,
      catchUp: input.catchUp,
      version: current.version,
    },
    input.version,
  );
  return rulesView(stored, sent);
}

export async function updatePractitionerReminderRules(
  actor: Actor,
  practitionerId: string,
  input: { version: number; rules: { ruleId?: string | undefined }[]; replaceCentreRules: boolean },
) {
  assertMayEditReminderRules(actor, practitionerId);
  const [current, sent, member] = await batchLookup(
    rulesLookup(actor.centreId),
    smsCounterLookup(actor.centreId, month()),
    membershipLookup(actor.centreId, practitionerId),
  );
  if (member?.role !== 'practitioner' || member.status !== 'active')
    throw ruleViolation('not_a_practitioner', 'Reminder rules are set for an active practitioner of the centre', {
      fields: [{ field: 'path.practitionerId', message: 'not an active practitioner of this centre' }],
    });
  const practitioners = { ...current.practitioners };
  if (input.rules.length === 0 && !input.replaceCentreRules) delete practitioners[practitionerId];
  else practitioners[practitionerId] = { rules: withIds(input.rules), replaceCentreRules: input.replaceCentreRules };
  const stored = await replaceRules(actor, current, { ...current, practitioners }, input.version);
  return rulesView(stored, sent);
}

export async function previewReminder(
  actor: Actor,
  query: { locale: 'fr-BE' | 'nl-BE' | 'de-BE' | 'fr-FR' | 'en'; channel: 'sms' | 'email' },
) {
  authorize(actor, 'reminders:read');
  const [rules, centre] = await batchLookup(rulesLookup(actor.centreId), centreLookup(actor.centreId));
  if (!centre) throw notFound('centre');
  const values = { ...previewValues(query.locale, new Date()), centre: centre.name, timeZone: centre.timeZone };
  const rendered = renderReminder({
    locale: query.locale,
    channel: query.channel,
    custom: rules.templates[query.locale],
    values,
  });
  return {
    channel: query.channel,
    locale: query.locale,
    ...rendered,
    ...(query.channel === 'sms' ? { smsSegments: smsSegments(rendered.text).segments } : {}),
  };
}

// --- A patient's preference (M9) -----------------------------------------------------------------

async function visiblePatient(actor: Actor, patientId: string) {
  const [patient, preferences] = await batchLookup(
    patientLookup(actor.centreId, patientId),
    preferencesLookup(actor.centreId, patientId),
  );
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  return preferences;
}

const defaultPreferences = { version: 0, timing: null, channel: 'sms' as const, optOut: { sms: false, email: false } };

export async function getReminderPreferences(actor: Actor, patientId: string, origin: Origin) {
  authorize(actor, 'reminder-preferences:manage');
  const stored = await visiblePatient(actor, patientId);
  await recordRead(actor, origin, { action: 'reminder-preferences.read', patientId });
  return { patientId, ...defaultPreferences, ...stored };
}

export async function updateReminderPreferences(
  actor: Actor,
  patientId: string,
  input: {
    version: number;
    timing: ReminderRules['rules'][number]['timing'] | null;
    channel: 'sms' | 'email';
    optOut: { sms: boolean; email: boolean };
  },
  origin: Origin,
) {
  authorize(actor, 'reminder-preferences:manage');
  const stored = await visiblePatient(actor, patientId);
  const current = stored?.version ?? 0;
  if (current !== input.version)
    throw conflict('version_conflict', 'The preferences were changed meanwhile: reload and retry', {
      currentVersion: current,
    });
  const next = { ...input, version: current + 1, updatedAt: new Date().toISOString(), updatedBy: actor.userId };
  try {
    await transactWrite([
      preferencesPut(actor.centreId, patientId, next, input.version),
      auditPut(actor, origin, {
        action: 'reminder-preferences.update',
        patientId,
        fields: ['timing', 'channel', 'optOut'],
      }),
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).length)
      throw conflict('version_conflict', 'The preferences were changed meanwhile: reload and retry');
    throw error;
  }
  return { patientId, ...next };
}

// --- Tracking (N2) ------------------------------------------------------------------------------

export async function listPatientMessages(
  actor: Actor,
  patientId: string,
  query: { limit: number; cursor?: string | undefined },
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'messages:read');
  const [patient] = await batchLookup(patientLookup(actor.centreId, patientId));
  if (!patient) throw notFound('patient');
  assertPatientVisible(actor, patient);
  const page = await cursors.page(
    `messages:${actor.centreId}:${patientId}`,
    query.cursor,
    (startKey) => patientMessagesPage(actor.centreId, patientId, query.limit, startKey),
    reminderFromItem,
  );
  // Only messages about sessions with practitioners the actor may see (a patient may also be seen
  // by a colleague: those appointments are not the actor's to know about).
  const items = page.items.filter((m) => canSeePractitionerPatients(actor, m.practitionerId));
  await recordRead(actor, origin, {
    action: 'messages.read',
    patientId,
    recordIds: [...new Set(items.map((m) => m.appointmentId))],
  });
  return { ...page, items: items.map((m) => messageView(m)) };
}

export async function listAppointmentMessages(
  actor: Actor,
  appointmentId: string,
  query: { limit: number; cursor?: string | undefined },
  origin: Origin,
  cursors: Cursors,
) {
  authorize(actor, 'messages:read');
  const [[appointment], page] = await Promise.all([
    batchLookup(appointmentLookup(actor.centreId, appointmentId)),
    cursors.page(
      `appointment-messages:${actor.centreId}:${appointmentId}`,
      query.cursor,
      (startKey) => appointmentMessagesPage(actor.centreId, appointmentId, query.limit, startKey),
      (item) => reminderFromItem(item),
    ),
  ]);
  if (!appointment || !canSeePractitionerPatients(actor, appointment.practitionerId)) throw notFound('appointment');
  await recordRead(actor, origin, {
    action: 'messages.read',
    patientId: appointment.patientId,
    recordIds: [appointmentId],
  });
  // A reminder withdrawn before it was ever sent was never a message: left out.
  const items = page.items.filter((r) => !(r.withdrawnAt && r.status === 'pending')).map((r) => messageView(r));
  return { ...page, items };
}

export async function listMessageNotices(
  actor: Actor,
  query: { limit: number; cursor?: string | undefined },
  cursors: Cursors,
) {
  authorize(actor, 'reminders:configure');
  return cursors.page(
    `message-notices:${actor.centreId}`,
    query.cursor,
    (startKey) => noticesPage(actor.centreId, query.limit, startKey),
    (item) => {
      const { noticeId, kind, at, text, appointmentId, patientId } = item as unknown as Notice;
      return {
        noticeId,
        kind,
        at,
        text,
        ...(appointmentId ? { appointmentId } : {}),
        ...(patientId ? { patientId } : {}),
      };
    },
  );
}
