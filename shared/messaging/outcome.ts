/**
 * What a failed send tells us about the message, for both channels (SNS SMS, SES e-mail).
 *
 * Why: a reminder whose outcome is unknown must not be sent again — a second SMS is paid for and
 * annoys the patient, and the first one may well have reached them. So a failure is only ever
 * `rejected` when the provider certainly did NOT accept the message (it answered with a refusal, or
 * we refused to send before any request); everything else — a timeout, a network error, a 5xx, an
 * aborted request, a response we could not read — is `unknown`: the message may have been
 * accepted, and the caller must record it as "sent, unconfirmed" rather than retry.
 *
 * The rule, from the SDK's error shape (`$metadata`, `$fault`, `name`):
 * - the provider answered 4xx (`$metadata.httpStatusCode`): `rejected`; any other status (a 5xx, or
 *   a 2xx whose body failed to deserialise: the SDK then sets the status too) is `unknown`;
 * - no status (no response was read): `rejected` only for an error flagged `$fault: 'client'` or
 *   named as one of the providers' known refusals below; otherwise `unknown`;
 * - the SDK retried (`$metadata.attempts > 1`): `unknown` whatever the last answer was, since an
 *   earlier attempt that timed out or failed with a 5xx may have been accepted. (The SMS sender
 *   makes a single attempt for that reason; see sms.ts.)
 */
export type SendOutcome = 'rejected' | 'unknown';

/** Refusals: the request was answered and the message was not accepted (all 4xx, `$fault: 'client'`). */
const KNOWN_REFUSALS = new Set([
  // SNS Publish
  'InvalidParameterException',
  'InvalidParameterValueException',
  'AuthorizationErrorException',
  'ThrottledException',
  'OptedOutException',
  'ValidationException',
  // SES v2 SendEmail
  'MessageRejected',
  'BadRequestException',
  'AccountSuspendedException',
  'SendingPausedException',
  'MailFromDomainNotVerifiedException',
  'NotFoundException',
  'TooManyRequestsException',
  'LimitExceededException',
]);

interface ProviderErrorShape {
  name?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
}

export function sendOutcome(error: unknown): SendOutcome {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { name, $fault, $metadata } = error as ProviderErrorShape;
  const attempts = $metadata?.attempts;
  if (typeof attempts === 'number' && attempts > 1) return 'unknown';
  const status = $metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 400 && status < 500 ? 'rejected' : 'unknown';
  if ($fault === 'client') return 'rejected';
  if ($fault === undefined && typeof name === 'string' && KNOWN_REFUSALS.has(name)) return 'rejected';
  return 'unknown';
}

/**
 * Thrown by a sender that refuses a message before any request (an invalid SES tag or SMS sender
 * id): certainly not sent, so `sendOutcome` says `rejected`.
 */
export class NotSentError extends Error {
  readonly $fault = 'client';
  override readonly name = 'NotSentError';
}
