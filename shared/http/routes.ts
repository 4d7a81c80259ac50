/**
 * The route table: the single source of truth for Centrum's HTTP API.
 * - CDK builds one API Gateway route per entry and points it at the entry's function.
 * - The local adapter serves exactly these routes by building an API Gateway v2 event and calling
 *   the same function handler.
 * - Each function's internal router implements exactly the operations listed here for it
 *   (checked by a test), and the OpenAPI document is generated from this table plus the zod
 *   schemas of each operation.
 * - `budget` is the most DynamoDB requests one call may make; `npm test` enforces it and
 *   `npm run bench` prints it.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The Lambda functions: one per bounded context (see docs/decisions/0002-function-granularity.md). */
export const functionNames = ['platform', 'identity', 'centres', 'patients'] as const;
export type FunctionName = (typeof functionNames)[number];

export type DynamoCommand =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'BatchGetItem'
  | 'TransactWriteItems'
  | 'TransactGetItems';

export type Budget = Partial<Record<DynamoCommand, number>>;

export interface RouteDefinition {
  operationId: string;
  method: HttpMethod;
  path: string;
  function: FunctionName;
  /** `public` routes need no token; `staff` routes need a verified staff access token. */
  auth: 'public' | 'staff';
  summary: string;
  budget: Budget;
}

const route = (definition: RouteDefinition) => definition;

export const routes = [
  // platform
  route({
    operationId: 'health',
    method: 'GET',
    path: '/health',
    function: 'platform',
    auth: 'public',
    summary: 'Liveness probe',
    budget: {},
  }),
  route({
    operationId: 'openapi',
    method: 'GET',
    path: '/openapi.json',
    function: 'platform',
    auth: 'public',
    summary: 'OpenAPI 3.1 document',
    budget: {},
  }),
  route({
    operationId: 'docs',
    method: 'GET',
    path: '/docs',
    function: 'platform',
    auth: 'public',
    summary: 'API reference page',
    budget: {},
  }),

  // identity
  route({
    operationId: 'signUp',
    method: 'POST',
    path: '/auth/sign-up',
    function: 'identity',
    auth: 'public',
    summary: 'Create a centre and its first manager',
    budget: { TransactWriteItems: 1 },
  }),
  route({
    operationId: 'signIn',
    method: 'POST',
    path: '/auth/sign-in',
    function: 'identity',
    auth: 'public',
    summary: 'Sign in with e-mail and password',
    budget: { BatchGetItem: 1, UpdateItem: 2, PutItem: 1, Query: 1, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'verifyMfa',
    method: 'POST',
    path: '/auth/mfa',
    function: 'identity',
    auth: 'public',
    summary: 'Complete sign-in with a TOTP code',
    budget: { BatchGetItem: 1, UpdateItem: 2, PutItem: 1, GetItem: 1, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'refreshSession',
    method: 'POST',
    path: '/auth/refresh',
    function: 'identity',
    auth: 'public',
    summary: 'Rotate a refresh token',
    budget: { GetItem: 2, TransactWriteItems: 1, UpdateItem: 1 },
  }),
  route({
    operationId: 'signOut',
    method: 'POST',
    path: '/auth/sign-out',
    function: 'identity',
    auth: 'public',
    summary: 'Revoke a refresh token family',
    budget: { GetItem: 1, UpdateItem: 1 },
  }),
  route({
    operationId: 'acceptInvitation',
    method: 'POST',
    path: '/auth/invitations/accept',
    function: 'identity',
    auth: 'public',
    summary: 'Accept a staff invitation',
    budget: { GetItem: 2, BatchGetItem: 1, UpdateItem: 2, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'getMe',
    method: 'GET',
    path: '/me',
    function: 'identity',
    auth: 'staff',
    summary: 'The signed-in user and their centres',
    budget: { GetItem: 1, Query: 1 },
  }),
  route({
    operationId: 'listSignIns',
    method: 'GET',
    path: '/me/sign-ins',
    function: 'identity',
    auth: 'staff',
    summary: 'Sign-in history, latest first',
    budget: { Query: 1 },
  }),
  route({
    operationId: 'listDevices',
    method: 'GET',
    path: '/me/devices',
    function: 'identity',
    auth: 'staff',
    summary: 'Known devices',
    budget: { Query: 1 },
  }),
  route({
    operationId: 'startTotpEnrolment',
    method: 'POST',
    path: '/me/totp',
    function: 'identity',
    auth: 'staff',
    summary: 'Start TOTP enrolment (staff without a second factor)',
    budget: { GetItem: 2, UpdateItem: 1 },
  }),
  route({
    operationId: 'confirmTotpEnrolment',
    method: 'POST',
    path: '/me/totp/confirm',
    function: 'identity',
    auth: 'staff',
    summary: 'Confirm TOTP enrolment with a code',
    budget: { GetItem: 1, TransactWriteItems: 1 },
  }),

  // centres
  route({
    operationId: 'getCentre',
    method: 'GET',
    path: '/centre',
    function: 'centres',
    auth: 'staff',
    summary: 'Profile of the current centre',
    budget: { GetItem: 1 },
  }),
  route({
    operationId: 'updateCentre',
    method: 'PATCH',
    path: '/centre',
    function: 'centres',
    auth: 'staff',
    summary: 'Update the centre profile',
    budget: { GetItem: 1, UpdateItem: 1 },
  }),
  route({
    operationId: 'listStaff',
    method: 'GET',
    path: '/centre/staff',
    function: 'centres',
    auth: 'staff',
    summary: 'Staff members of the centre',
    budget: { Query: 1 },
  }),
  route({
    operationId: 'listStaffAudit',
    method: 'GET',
    path: '/centre/staff/{userId}/audit',
    function: 'centres',
    auth: 'staff',
    summary: "A staff member's accesses to patient data, lists and searches included (managers)",
    budget: { GetItem: 1, Query: 1 },
  }),
  route({
    operationId: 'updateStaffMember',
    method: 'PATCH',
    path: '/centre/staff/{userId}',
    function: 'centres',
    auth: 'staff',
    summary: 'Change a staff member (role, status, served practitioners; optimistic locking)',
    budget: { GetItem: 2, Query: 2, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'createInvitation',
    method: 'POST',
    path: '/centre/invitations',
    function: 'centres',
    auth: 'staff',
    summary: 'Invite a staff member (the acceptance link is e-mailed to them)',
    budget: { GetItem: 1, Query: 1, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'listInvitations',
    method: 'GET',
    path: '/centre/invitations',
    function: 'centres',
    auth: 'staff',
    summary: 'Pending invitations',
    budget: { Query: 1 },
  }),
  route({
    operationId: 'resendInvitation',
    method: 'POST',
    path: '/centre/invitations/{invitationId}/resend',
    function: 'centres',
    auth: 'staff',
    summary: 'E-mail a new acceptance link (the previous one stops working)',
    budget: { GetItem: 2, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'revokeInvitation',
    method: 'DELETE',
    path: '/centre/invitations/{invitationId}',
    function: 'centres',
    auth: 'staff',
    summary: 'Revoke an invitation',
    budget: { GetItem: 1, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'listLicences',
    method: 'GET',
    path: '/centre/licences',
    function: 'centres',
    auth: 'staff',
    summary: 'Licences of the centre',
    budget: { Query: 1 },
  }),
  route({
    operationId: 'createLicence',
    method: 'POST',
    path: '/centre/licences',
    function: 'centres',
    auth: 'staff',
    summary: 'Create a licence, optionally assigned',
    budget: { GetItem: 1, PutItem: 1 },
  }),
  route({
    operationId: 'getLicence',
    method: 'GET',
    path: '/centre/licences/{licenceId}',
    function: 'centres',
    auth: 'staff',
    summary: 'One licence with its history',
    budget: { GetItem: 1 },
  }),
  route({
    operationId: 'updateLicence',
    method: 'PATCH',
    path: '/centre/licences/{licenceId}',
    function: 'centres',
    auth: 'staff',
    summary: 'Change the feature set of a licence',
    budget: { UpdateItem: 1 },
  }),
  route({
    operationId: 'transferLicence',
    method: 'POST',
    path: '/centre/licences/{licenceId}/transfer',
    function: 'centres',
    auth: 'staff',
    summary: 'Assign or transfer a licence to a practitioner',
    budget: { GetItem: 2, UpdateItem: 1 },
  }),
  route({
    operationId: 'revokeLicence',
    method: 'DELETE',
    path: '/centre/licences/{licenceId}',
    function: 'centres',
    auth: 'staff',
    summary: 'Revoke a licence',
    budget: { UpdateItem: 1 },
  }),

  // patients
  route({
    operationId: 'createPatient',
    method: 'POST',
    path: '/patients',
    function: 'patients',
    auth: 'staff',
    summary: 'Create a patient file',
    budget: { GetItem: 1, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'listPatients',
    method: 'GET',
    path: '/patients',
    function: 'patients',
    auth: 'staff',
    summary: 'List or search patients (name prefix, phone, birth date)',
    budget: { Query: 1, PutItem: 1 },
  }),
  route({
    operationId: 'getPatient',
    method: 'GET',
    path: '/patients/{patientId}',
    function: 'patients',
    auth: 'staff',
    summary: 'Read a patient file',
    budget: { GetItem: 1, PutItem: 1 },
  }),
  route({
    operationId: 'updatePatient',
    method: 'PATCH',
    path: '/patients/{patientId}',
    function: 'patients',
    auth: 'staff',
    summary: 'Update a patient file (optimistic locking)',
    budget: { GetItem: 1, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'transferPatient',
    method: 'POST',
    path: '/patients/{patientId}/transfer',
    function: 'patients',
    auth: 'staff',
    summary: 'Transfer a patient to another practitioner',
    budget: { GetItem: 2, TransactWriteItems: 1 },
  }),
  route({
    operationId: 'listPatientHistory',
    method: 'GET',
    path: '/patients/{patientId}/transfers',
    function: 'patients',
    auth: 'staff',
    summary: 'Transfer history of a patient',
    budget: { GetItem: 1, Query: 1, PutItem: 1 },
  }),
  route({
    operationId: 'listPatientAudit',
    method: 'GET',
    path: '/patients/{patientId}/audit',
    function: 'patients',
    auth: 'staff',
    summary: 'Audit trail of a patient file (managers)',
    budget: { GetItem: 1, Query: 1, PutItem: 1 },
  }),
] as const satisfies readonly RouteDefinition[];

export type OperationId = (typeof routes)[number]['operationId'];

/**
 * API Gateway's catch-all route: requests that match no route go to this function, which answers
 * 404 or 405 as application/problem+json (the same answer locally and deployed).
 */
export const FALLBACK_ROUTE_KEY = '$default';
export const fallbackFunction: FunctionName = 'platform';

/** API Gateway v2 route key, e.g. `GET /patients/{patientId}`. */
export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>) => `${r.method} ${r.path}`;

export const routesOf = (fn: FunctionName) => routes.filter((r) => r.function === fn);
