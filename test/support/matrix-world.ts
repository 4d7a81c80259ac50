import { invite } from './world';
import { buildCentre, type CentreWorld, type Staff } from './world';

/**
 * The world the route matrix runs in (every route × caller × two centres): a centre with its
 * manager, two practitioners, a secretary serving the first practitioner, a third practitioner
 * without patients, and the manager of another centre. Each context's cases
 * (test/<context>/route-cases.ts) build their requests in it; the authorization-matrix test, the
 * junk property and the DynamoDB-requests benchmark all read the same cases.
 */
export const callers = [
  'anonymous',
  'manager',
  'practitioner',
  'otherPractitioner',
  'secretary',
  'foreignManager',
] as const;
export type Caller = (typeof callers)[number];

export interface Req {
  method: string;
  url: string;
  body?: unknown;
  sourceIp?: string;
  headers?: Record<string, string>;
}

export interface Case {
  request: (who: Caller) => Promise<Req>;
  expect: Record<Caller, number>;
}

/** One case per operation id of a context's route module. */
export type CasesOf<T extends readonly { operationId: string }[]> = Record<T[number]['operationId'], Case>;

let w: CentreWorld | undefined;
let foreign: CentreWorld | undefined;
let plainPractitioner: Staff | undefined;
let sessionPractitioner: Staff | undefined;

/** Builds the two centres the matrix runs against (call once, before using the cases). */
export async function setupRouteMatrix() {
  [w, foreign] = await Promise.all([buildCentre('Matrix centre'), buildCentre('Foreign centre')]);
  [plainPractitioner, sessionPractitioner] = await Promise.all([
    invite(w.manager.actor, 'practitioner'),
    invite(w.manager.actor, 'practitioner'),
  ]);
}

/**
 * The two centres and the extra practitioners built by setupRouteMatrix: `plainPractitioner` is
 * the one the sign-in case signs in (the junk and Unicode properties may lock it with wrong
 * passwords), `sessionPractitioner` the one whose sessions are refreshed and ended.
 */
export function matrixWorld() {
  if (!w || !foreign || !plainPractitioner || !sessionPractitioner) throw new Error('setupRouteMatrix() first');
  return { centre: w, foreign, plainPractitioner, sessionPractitioner };
}

export const actorOf = (who: Caller): Staff | undefined => {
  const { centre, foreign: other } = matrixWorld();
  return who === 'foreignManager' ? other.manager : who === 'anonymous' ? undefined : centre[who];
};

let ip = 0;
/** A fresh client address, so that sign-in throttles of one case never affect another. */
export const nextIp = () => `192.0.2.${(ip++ % 250) + 1}`;
export const uniq = () => Math.random().toString(36).slice(2, 10);

export const everyone = (status: number): Record<Caller, number> =>
  Object.fromEntries(callers.map((c) => [c, status])) as Record<Caller, number>;
export const staffOnly = (status: number) => ({ ...everyone(status), anonymous: 401 });
export const roles = (e: Omit<Record<Caller, number>, 'anonymous'>): Record<Caller, number> => ({
  anonymous: 401,
  ...e,
});
/** Manager-only routes: other roles 403; another centre's manager gets `foreign` (404 for a resource of ours). */
export const managersOnly = (status: number, foreignStatus: number) =>
  roles({ manager: status, practitioner: 403, otherPractitioner: 403, secretary: 403, foreignManager: foreignStatus });
