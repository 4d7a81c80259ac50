import { getCentre } from '#functions/centres/centre';
import { issueInvitation } from '#functions/centres/invitations';
import { createLicence } from '#functions/centres/licences';
import { findMembership } from '#functions/centres/repository';
import type { centresRoutes } from '#functions/centres/routes';
import { startSignUp } from '#functions/centres/sign-up';
import {
  actorOf,
  type CasesOf,
  everyone,
  managersOnly,
  matrixWorld as world,
  nextIp,
  roles,
  staffOnly,
  uniq,
} from '../support/matrix-world';
import { PASSWORD } from '../support/world';

/** centres: route × caller (test/support/matrix-world.ts). */
export const centresCases: CasesOf<typeof centresRoutes> = {
  signUp: {
    request: async () => ({
      method: 'POST',
      url: '/auth/sign-up',
      body: {
        centre: { name: 'New centre' },
        manager: { email: `new-${uniq()}@example.test`, password: PASSWORD, firstName: 'N', lastName: 'M' },
      },
      sourceIp: nextIp(),
    }),
    expect: everyone(202),
  },
  confirmSignUp: {
    request: async () => {
      const { token } = await startSignUp({
        centre: { name: 'Confirmed centre', kind: 'centre' },
        manager: { email: `confirm-${uniq()}@example.test`, password: PASSWORD, firstName: 'C', lastName: 'S' },
      });
      return { method: 'POST', url: '/auth/sign-up/confirm', body: { token } };
    },
    expect: everyone(201),
  },
  acceptInvitation: {
    request: async () => {
      const invitation = await issueInvitation(world().centre.manager.actor, {
        email: `inv-${uniq()}@example.test`,
        role: 'practitioner',
      });
      return {
        method: 'POST',
        url: '/auth/invitations/accept',
        body: { token: invitation.token, password: PASSWORD, firstName: 'I', lastName: 'J' },
      };
    },
    expect: everyone(201),
  },
  getMe: { request: async () => ({ method: 'GET', url: '/me' }), expect: staffOnly(200) },
  getCentre: { request: async () => ({ method: 'GET', url: '/centre' }), expect: staffOnly(200) },
  updateCentre: {
    request: async (who) => {
      const centre = await getCentre((actorOf(who) ?? world().centre.manager).actor);
      return { method: 'PATCH', url: '/centre', body: { version: centre.version, phone: '+3226001122' } };
    },
    expect: managersOnly(200, 200),
  },
  listStaff: { request: async () => ({ method: 'GET', url: '/centre/staff' }), expect: staffOnly(200) },
  listStaffAudit: {
    request: async () => ({ method: 'GET', url: `/centre/staff/${world().centre.secretary.userId}/audit` }),
    expect: managersOnly(200, 404),
  },
  updateStaffMember: {
    request: async () => {
      const member = await findMembership(world().centre.centreId, world().centre.secretary.userId);
      return {
        method: 'PATCH',
        url: `/centre/staff/${world().centre.secretary.userId}`,
        body: { version: member?.version, servedPractitionerIds: [world().centre.practitioner.userId] },
      };
    },
    expect: managersOnly(200, 404),
  },
  createInvitation: {
    request: async () => ({
      method: 'POST',
      url: '/centre/invitations',
      body: { email: `c-${uniq()}@example.test`, role: 'secretary' },
    }),
    expect: managersOnly(201, 201),
  },
  listInvitations: {
    request: async () => ({ method: 'GET', url: '/centre/invitations' }),
    expect: managersOnly(200, 200),
  },
  resendInvitation: {
    request: async () => {
      const { invitation } = await issueInvitation(world().centre.manager.actor, {
        email: `s-${uniq()}@example.test`,
        role: 'practitioner',
      });
      return { method: 'POST', url: `/centre/invitations/${invitation.invitationId}/resend` };
    },
    expect: managersOnly(200, 404),
  },
  revokeInvitation: {
    request: async () => {
      const { invitation } = await issueInvitation(world().centre.manager.actor, {
        email: `r-${uniq()}@example.test`,
        role: 'secretary',
      });
      return { method: 'DELETE', url: `/centre/invitations/${invitation.invitationId}` };
    },
    expect: managersOnly(204, 404),
  },
  listLicences: {
    request: async () => ({ method: 'GET', url: '/centre/licences' }),
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 200,
      secretary: 403,
      foreignManager: 200,
    }),
  },
  createLicence: {
    request: async () => ({
      method: 'POST',
      url: '/centre/licences',
      body: { features: ['agenda', 'patients'] },
    }),
    expect: managersOnly(201, 201),
  },
  getLicence: {
    request: async () => {
      const licence = await createLicence(world().centre.manager.actor, {
        practitionerId: world().centre.practitioner.userId,
      });
      return { method: 'GET', url: `/centre/licences/${licence.licenceId}` };
    },
    expect: roles({
      manager: 200,
      practitioner: 200,
      otherPractitioner: 404,
      secretary: 403,
      foreignManager: 404,
    }),
  },
  updateLicence: {
    request: async () => {
      const licence = await createLicence(world().centre.manager.actor, {});
      return {
        method: 'PATCH',
        url: `/centre/licences/${licence.licenceId}`,
        body: { features: ['billing'], version: 1 },
      };
    },
    expect: managersOnly(200, 404),
  },
  transferLicence: {
    request: async () => {
      const licence = await createLicence(world().centre.manager.actor, {
        practitionerId: world().centre.otherPractitioner.userId,
      });
      return {
        method: 'POST',
        url: `/centre/licences/${licence.licenceId}/transfer`,
        body: { practitionerId: world().centre.practitioner.userId, version: 1 },
      };
    },
    expect: managersOnly(200, 404),
  },
  revokeLicence: {
    request: async () => {
      const licence = await createLicence(world().centre.manager.actor, {});
      return { method: 'DELETE', url: `/centre/licences/${licence.licenceId}` };
    },
    expect: managersOnly(204, 404),
  },
};
