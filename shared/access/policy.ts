import { forbidden, notFound } from '#shared/errors';
import type { Actor, Role } from '#shared/access/actor';

/**
 * The one place that decides permissions (P3). Handlers and services call these functions and
 * never compare roles themselves. Tenancy is not decided here: every key is built from the
 * token's centre id, so another centre's resource is simply not found (404).
 */
export const actions = [
  'centre:read',
  'centre:update',
  'staff:list',
  'staff:manage',
  'staff:audit',
  'invitation:manage',
  'licence:list',
  'licence:manage',
  'patient:create',
  'patient:list',
  'patient:read',
  'patient:update',
  'patient:transfer',
  'patient:audit',
  'agenda:read',
  'agenda:book',
  'agenda:close',
  'agenda:hours',
  'agenda:configure',
  'centre-event:manage',
  'care-episode:manage',
  'care-episode:override',
  'calendar:share',
  'reminders:read',
  'reminders:configure',
  'reminders:own-rules',
  'messages:read',
  'reminder-preferences:manage',
] as const;
export type Action = (typeof actions)[number];

const grants: Record<Role, ReadonlySet<Action>> = {
  manager: new Set(actions),
  practitioner: new Set<Action>([
    'centre:read',
    'staff:list',
    'licence:list',
    'patient:create',
    'patient:list',
    'patient:read',
    'patient:update',
    'patient:transfer',
    'agenda:read',
    'agenda:book',
    'agenda:close',
    'agenda:hours',
    'care-episode:manage',
    'care-episode:override',
    'calendar:share',
    'reminders:read',
    'reminders:own-rules',
    'messages:read',
    'reminder-preferences:manage',
  ]),
  secretary: new Set<Action>([
    'centre:read',
    'staff:list',
    'patient:create',
    'patient:list',
    'patient:read',
    'patient:update',
    'agenda:read',
    'agenda:book',
    'care-episode:manage',
    'calendar:share',
    'reminders:read',
    'messages:read',
    'reminder-preferences:manage',
  ]),
};

export function can(actor: Actor, action: Action): boolean {
  return grants[actor.role].has(action);
}

/** Throws 403 when the actor's role never allows the action. */
export function authorize(actor: Actor, action: Action): void {
  if (!can(actor, action)) throw forbidden(`The ${actor.role} role does not allow ${action}`);
}

/** Practitioners whose patients the actor may see; `all` for managers. */
export function visiblePractitioners(actor: Actor): 'all' | string[] {
  switch (actor.role) {
    case 'manager':
      return 'all';
    case 'practitioner':
      return [actor.userId];
    case 'secretary':
      return actor.servedPractitionerIds;
  }
}

export function canSeePractitionerPatients(actor: Actor, practitionerId: string): boolean {
  const visible = visiblePractitioners(actor);
  return visible === 'all' || visible.includes(practitionerId);
}

/**
 * A patient the actor may not see is reported as not found: a practitioner must not learn that
 * a colleague's patient exists.
 */
export function assertPatientVisible(actor: Actor, patient: { practitionerId: string }): void {
  if (!canSeePractitionerPatients(actor, patient.practitionerId)) throw notFound('patient');
}

/** Secretaries see and edit contact data only, never clinical notes (P3). */
export function mayHandleClinicalData(actor: Actor): boolean {
  return actor.role !== 'secretary';
}

/** Only managers act on licences of others; a practitioner lists their own licences. */
export function licenceScope(actor: Actor): 'all' | 'own' {
  authorize(actor, 'licence:list');
  return actor.role === 'manager' ? 'all' : 'own';
}

/**
 * Whose agenda the actor may act in: a manager any practitioner's (the centre's administration), a
 * practitioner their own, a secretary the practitioners they serve (booking, moving, cancelling —
 * never clinical notes). Colleagues are no secret (the staff list shows them): 403, not 404.
 */
export function assertAgendaAccess(actor: Actor, practitionerId: string): void {
  if (!canSeePractitionerPatients(actor, practitionerId))
    throw forbidden('You may not act in this practitioner’s agenda', 'not_your_agenda');
}

/**
 * Booking beyond a care episode's quota or after its expiry needs an explicit override by a manager
 * or the practitioner of the session (recorded on the appointment).
 */
export function assertMayOverrideQuota(actor: Actor, practitionerId: string): void {
  if (!can(actor, 'care-episode:override') || (actor.role === 'practitioner' && actor.userId !== practitionerId))
    throw forbidden('Only a manager or the session’s practitioner may override a quota', 'override_forbidden');
}

/**
 * Reminder rules: a manager sets the centre's and any practitioner's; a practitioner only their own
 * (N1). Colleagues are no secret: 403.
 */
export function assertMayEditReminderRules(actor: Actor, practitionerId: string): void {
  if (can(actor, 'reminders:configure')) return;
  if (!can(actor, 'reminders:own-rules') || actor.userId !== practitionerId)
    throw forbidden(
      'Only a manager, or the practitioner themself, sets a practitioner’s reminder rules',
      'not_your_rules',
    );
}
