/**
 * Typed domain errors. Services throw these; shared/http/problem.ts maps each kind to an HTTP
 * status and an application/problem+json body in exactly one place.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rule_violation'
  | 'too_many_requests'
  | 'unavailable'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed';

export interface FieldIssue {
  /** JSON-pointer-like path of the failing field, e.g. `body.guardians.0.phone`. */
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable machine-readable code, e.g. `patient_not_found`. */
    readonly code: string,
    message: string,
    readonly details: { fields?: FieldIssue[]; retryAfterSeconds?: number; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validationError = (message: string, fields: FieldIssue[], code = 'validation_failed') =>
  new DomainError('validation', code, message, { fields });
export const notFound = (what: string, code = `${what}_not_found`) =>
  new DomainError('not_found', code, `${what.replace(/_/g, ' ')} not found`);
export const forbidden = (message = 'Your role does not allow this action', code = 'forbidden') =>
  new DomainError('forbidden', code, message);
export const unauthenticated = (message = 'A valid access token is required', code = 'unauthenticated') =>
  new DomainError('unauthenticated', code, message);
export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('conflict', code, message, details);
export const ruleViolation = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('rule_violation', code, message, details);
