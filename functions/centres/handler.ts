import { bearerAuthentication, cursorKey } from '#contexts/identity';
import { caseload } from '#contexts/patients';
import { createHttpHandler } from '#shared/http/pipeline';
import { getCentre, updateCentre } from './centre';
import { acceptInvitation, createInvitation, listInvitations, resendInvitation, revokeInvitation } from './invitations';
import { createLicence, getLicence, listLicences, revokeLicence, transferLicence, updateLicence } from './licences';
import { centresRoutes } from './routes';
import { confirmSignUp, requestSignUp } from './sign-up';
import { getMe, listStaff, listStaffAudit, updateStaffMember } from './staff';

/**
 * The centres function. Its composition root: whether a practitioner still follows patients comes
 * from the patients context through the caseload port (functions/centres/staff.ts), wired here.
 */
export const handler = createHttpHandler(
  centresRoutes,
  { authenticators: { staff: bearerAuthentication }, cursorKey },
  {
    signUp: ({ body, origin }) => requestSignUp(body, origin),
    confirmSignUp: ({ body }) => confirmSignUp(body),
    acceptInvitation: ({ body, origin }) => acceptInvitation(body, origin),
    getMe: ({ principal }) => getMe(principal),
    getCentre: ({ principal }) => getCentre(principal),
    updateCentre: ({ principal, body }) => updateCentre(principal, body),
    listStaff: ({ principal, query, cursors }) => listStaff(principal, query, cursors),
    listStaffAudit: ({ principal, params, query, cursors }) => listStaffAudit(principal, params.userId, query, cursors),
    updateStaffMember: ({ principal, params, body }) => updateStaffMember(principal, params.userId, body, caseload),
    createInvitation: ({ principal, body }) => createInvitation(principal, body),
    listInvitations: ({ principal, query, cursors }) => listInvitations(principal, query, cursors),
    resendInvitation: ({ principal, params }) => resendInvitation(principal, params.invitationId),
    revokeInvitation: ({ principal, params }) => revokeInvitation(principal, params.invitationId),
    listLicences: ({ principal, query, cursors }) => listLicences(principal, query, cursors),
    createLicence: ({ principal, body }) => createLicence(principal, body),
    getLicence: ({ principal, params }) => getLicence(principal, params.licenceId),
    updateLicence: ({ principal, params, body }) => updateLicence(principal, params.licenceId, body),
    transferLicence: ({ principal, params, body }) => transferLicence(principal, params.licenceId, body),
    revokeLicence: ({ principal, params }) => revokeLicence(principal, params.licenceId),
  },
);
