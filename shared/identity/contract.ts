import * as z from 'zod';
import type { ContractFor } from '#shared/http/contract';
import {
  acceptInvitationResultSchema,
  acceptInvitationSchema,
  deviceSchema,
  meSchema,
  mfaSchema,
  pageOf,
  refreshSchema,
  sessionSchema,
  signInEventSchema,
  signInResultSchema,
  signInSchema,
  signUpResultSchema,
  signUpSchema,
  totpConfirmSchema,
  totpEnrolmentSchema,
} from '#shared/identity/schemas';
import { pageQuery } from '#shared/schemas';

export const identityContract = {
  signUp: { body: signUpSchema, response: signUpResultSchema, successStatus: 201 },
  signIn: { body: signInSchema, response: signInResultSchema },
  verifyMfa: { body: mfaSchema, response: sessionSchema },
  refreshSession: { body: refreshSchema, response: sessionSchema },
  signOut: { body: refreshSchema, successStatus: 204 },
  acceptInvitation: {
    body: acceptInvitationSchema,
    response: acceptInvitationResultSchema,
    successStatus: 201,
  },
  getMe: { response: meSchema },
  listSignIns: { query: z.strictObject(pageQuery), response: pageOf(signInEventSchema) },
  listDevices: { query: z.strictObject(pageQuery), response: pageOf(deviceSchema) },
  startTotpEnrolment: { response: totpEnrolmentSchema, successStatus: 201 },
  confirmTotpEnrolment: { body: totpConfirmSchema, successStatus: 204 },
} satisfies ContractFor<'identity'>;
