/**
 * Where a call comes from, as the audit trail and the sign-in history record it: the request id
 * (API Gateway's, a message id, a scheduled run), the client address and its user agent. Every
 * entry kind builds its own — HTTP from the API Gateway event, a schedule or a queue worker from
 * its run — so services never depend on one kind of request.
 */
export interface Origin {
  requestId: string;
  sourceIp: string;
  userAgent: string;
}

/** The origin of work Centrum does by itself (a scheduled job, a queue worker, the demo seed). */
export const internalOrigin = (requestId: string, what: string): Origin => ({
  requestId,
  sourceIp: 'internal',
  userAgent: `centrum/${what}`.slice(0, 256),
});
