import { describe, expect, it } from 'vitest';
import type { Actor } from '#shared/access/actor';
import { actions, assertPatientVisible, can, visiblePractitioners } from '#shared/access/policy';

const actor = (role: Actor['role'], served: string[] = []): Actor => ({
  userId: 'U1',
  centreId: 'C1',
  role,
  servedPractitionerIds: served,
  sessionId: 'S',
});

describe('policy (P3)', () => {
  it('grants managers every action', () => {
    expect(actions.every((a) => can(actor('manager'), a))).toBe(true);
  });

  it('keeps the audit trail, licences and staff management away from practitioners and secretaries', () => {
    for (const role of ['practitioner', 'secretary'] as const) {
      expect(can(actor(role), 'patient:audit')).toBe(false);
      expect(can(actor(role), 'licence:manage')).toBe(false);
      expect(can(actor(role), 'staff:manage')).toBe(false);
    }
  });

  it('lets secretaries see the patients of the practitioners they serve only', () => {
    const secretary = actor('secretary', ['P1']);

    expect(visiblePractitioners(secretary)).toEqual(['P1']);
    expect(() => assertPatientVisible(secretary, { practitionerId: 'P1' })).not.toThrow();
    expect(() => assertPatientVisible(secretary, { practitionerId: 'P2' })).toThrow(/not found/);
  });

  it('lets a practitioner see only their own patients', () => {
    expect(() => assertPatientVisible(actor('practitioner'), { practitionerId: 'U1' })).not.toThrow();
    expect(() => assertPatientVisible(actor('practitioner'), { practitionerId: 'U2' })).toThrow(/not found/);
  });
});
