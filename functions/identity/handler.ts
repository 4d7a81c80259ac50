import { createHttpHandler } from '#shared/http/handler';
import { paged } from '#shared/http/paging';
import { bearerAuthentication } from '#shared/identity/authenticate';
import { identityContract } from '#shared/identity/contract';
import { devices, signInEvents } from '#shared/identity/repository';
import * as identity from '#shared/identity/service';

/** Identity: sign-up, sign-in with TOTP, sessions, the signed-in user (P1, P4). */
export const handler = createHttpHandler(
  'identity',
  identityContract,
  {
    signUp: async ({ body }) => ({ body: await identity.signUp(body) }),
    signIn: async ({ body, meta }) => ({ body: await identity.signIn(body, meta) }),
    verifyMfa: async ({ body, meta }) => ({ body: await identity.verifyMfa(body, meta) }),
    refreshSession: async ({ body }) => ({ body: await identity.refreshSession(body) }),
    signOut: async ({ body }) => {
      await identity.signOut(body);
      return {};
    },
    acceptInvitation: async ({ body, meta }) => ({ body: await identity.acceptInvitation(body, meta) }),
    getMe: async ({ actor }) => ({ body: await identity.me(actor) }),
    listSignIns: async ({ actor, query }) => ({
      body: await paged(`sign-ins:${actor.userId}`, query.cursor, (start) =>
        signInEvents(actor.userId, query.limit, start),
      ),
    }),
    listDevices: async ({ actor, query }) => ({
      body: await paged(`devices:${actor.userId}`, query.cursor, (start) => devices(actor.userId, query.limit, start)),
    }),
    startTotpEnrolment: async ({ actor }) => ({ body: await identity.startTotpEnrolment(actor) }),
    confirmTotpEnrolment: async ({ actor, body }) => {
      await identity.confirmTotpEnrolment(actor, body.code);
      return {};
    },
  },
  { authenticate: bearerAuthentication },
);
