import { centresContract } from '#shared/centres/contract';
import * as invitations from '#shared/centres/invitations';
import type { Invitation } from '#shared/centres/repository';
import { listInvitations, listLicences } from '#shared/centres/repository';
import * as centres from '#shared/centres/service';
import type { Item } from '#shared/db/table';
import { stripKeys } from '#shared/db/table';
import { createHttpHandler } from '#shared/http/handler';
import { paged } from '#shared/http/paging';
import { bearerAuthentication } from '#shared/identity/authenticate';
import { authorize, licenceScope } from '#shared/identity/policy';

/** Centres: profile, staff, invitations and licences (P1, P2, P3). */
export const handler = createHttpHandler(
  'centres',
  centresContract,
  {
    getCentre: async ({ actor }) => ({ body: await centres.getCentre(actor) }),
    updateCentre: async ({ actor, body }) => ({ body: await centres.updateCentre(actor, body) }),
    listStaff: async ({ actor, query }) => ({
      body: await paged(`staff:${actor.centreId}`, query.cursor, (start) =>
        centres.listStaff(actor, query.limit, start),
      ),
    }),
    listStaffAudit: async ({ actor, params, query }) => ({
      body: await centres.staffAuditTrail(actor, params.userId, query.limit, query.cursor),
    }),
    updateStaffMember: async ({ actor, params, body }) => ({
      body: await centres.updateStaffMember(actor, params.userId, body),
    }),
    createInvitation: async ({ actor, body }) => ({ body: await invitations.createInvitation(actor, body) }),
    listInvitations: async ({ actor, query }) => {
      authorize(actor, 'invitation:manage');
      return {
        body: await paged(
          `invitations:${actor.centreId}`,
          query.cursor,
          (start) => listInvitations(actor.centreId, query.limit, start),
          (item: Item) => invitations.publicInvitation(stripKeys(item) as unknown as Invitation),
        ),
      };
    },
    resendInvitation: async ({ actor, params }) => ({
      body: await invitations.resendInvitation(actor, params.invitationId),
    }),
    revokeInvitation: async ({ actor, params }) => {
      await invitations.revokeInvitation(actor, params.invitationId);
      return {};
    },
    listLicences: async ({ actor, query }) => {
      const own = licenceScope(actor) === 'own' ? actor.userId : undefined;
      return {
        body: await paged(`licences:${actor.centreId}:${own ?? '*'}`, query.cursor, (start) =>
          listLicences(actor.centreId, own, query.limit, start),
        ),
      };
    },
    createLicence: async ({ actor, body }) => ({ body: await centres.createLicence(actor, body) }),
    getLicence: async ({ actor, params }) => ({ body: await centres.getLicence(actor, params.licenceId) }),
    updateLicence: async ({ actor, params, body }) => ({
      body: await centres.updateLicenceFeatures(actor, params.licenceId, body.features, body.version),
    }),
    transferLicence: async ({ actor, params, body }) => ({
      body: await centres.transferLicence(actor, params.licenceId, body.practitionerId, body.version),
    }),
    revokeLicence: async ({ actor, params }) => {
      await centres.revokeLicence(actor, params.licenceId);
      return {};
    },
  },
  { authenticate: bearerAuthentication },
);
