import type { Role } from '#shared/access/actor';

/**
 * What sign-in needs to know of a person's memberships: in which centres, with which role, still
 * active or not. Memberships belong to the centres context (it creates them with invitations and
 * changes them with staff management); identity only reads them, through this port, which the
 * identity function's entry wires to the centres context's directory. So identity never imports
 * centres, and centres may use identity's accounts (docs/ARCHITECTURE.md, "Contexts and imports").
 */
export interface Grant {
  centreId: string;
  centreName: string;
  userId: string;
  role: Role;
  status: 'active' | 'suspended';
  /** Secretaries: the practitioners they serve. */
  servedPractitionerIds: readonly string[];
}

export interface MembershipDirectory {
  /** Every membership of a person (sign-in chooses one). */
  ofUser(userId: string): Promise<Grant[]>;
  /** One membership, read consistently (second factor, refresh). */
  find(centreId: string, userId: string): Promise<Grant | undefined>;
}
