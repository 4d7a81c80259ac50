export const roles = ['manager', 'practitioner', 'secretary'] as const;
export type Role = (typeof roles)[number];

/** Who is calling, as proven by a verified access token. Never built from a request body. */
export interface Actor {
  userId: string;
  centreId: string;
  role: Role;
  /** Secretaries: the practitioners they serve. Empty for other roles. */
  servedPractitionerIds: string[];
  sessionId: string;
}
