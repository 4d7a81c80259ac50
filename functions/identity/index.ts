/**
 * The identity context's public entry: what other contexts may use. Accounts (created and proven
 * for the centres context), the staff authenticator and the cursor key for every function's
 * pipeline, and the membership directory port that the centres context implements.
 */
export {
  accountProfile,
  hasSecondFactor,
  newAccount,
  proveExistingAccount,
  secondFactorEnrolment,
  type TotpEnrolment,
} from './accounts';
export { bearerAuthentication } from './authenticate';
export type { Grant, MembershipDirectory } from './memberships';
export { cursorKey } from './signing-key';
