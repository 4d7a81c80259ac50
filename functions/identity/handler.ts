import { membershipDirectory } from '#contexts/centres';
import { createHttpHandler } from '#shared/http/pipeline';
import { bearerAuthentication } from './authenticate';
import { confirmTotpEnrolment, startTotpEnrolment } from './enrolment';
import { listDevices, listSignIns } from './history';
import { identityRoutes } from './routes';
import { refreshSession, signIn, signOut, verifyMfa } from './sessions';
import { cursorKey } from './signing-key';

/**
 * The identity function. Its composition root: memberships come from the centres context through
 * the directory port (functions/identity/memberships.ts), wired here and nowhere else.
 */
export const handler = createHttpHandler(
  identityRoutes,
  { authenticators: { staff: bearerAuthentication }, cursorKey },
  {
    signIn: ({ body, origin }) => signIn(body, origin, membershipDirectory),
    verifyMfa: ({ body, origin }) => verifyMfa(body, origin, membershipDirectory),
    refreshSession: ({ body }) => refreshSession(body, membershipDirectory),
    signOut: ({ body }) => signOut(body),
    listSignIns: ({ principal, query, cursors }) => listSignIns(principal, query, cursors),
    listDevices: ({ principal, query, cursors }) => listDevices(principal, query, cursors),
    startTotpEnrolment: ({ principal }) => startTotpEnrolment(principal),
    confirmTotpEnrolment: ({ principal, body }) => confirmTotpEnrolment(principal, body),
  },
);
