/**
 * The identity context's public entry: what other contexts may use. Accounts (created and proven
 * for the centres context, with sign-up's throttle and password hashing), the staff authenticator
 * and the cursor key for every function's pipeline, and the membership directory port that the
 * centres context implements.
 */
export {
  accountExists,
  accountProfile,
  hasSecondFactor,
  newAccount,
  proveExistingAccount,
  secondFactorEnrolment,
  type TotpEnrolment,
} from './accounts';
export { bearerAuthentication } from './authenticate';
export type { Grant, MembershipDirectory } from './memberships';
export { memberRevocationPut } from './revocations';
export { hashPassword } from './passwords';
export { cursorKey } from './signing-key';
export { admitSignUp } from './throttle';
