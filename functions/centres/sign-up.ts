import { newAccount } from '#contexts/identity';
import { transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict } from '#shared/errors';
import { newId } from '#shared/ids';
import { centrePut, membershipPut } from './repository';
import type { Centre, CreateCentreInput } from './schemas';

/**
 * Sign-up (P1): a centre and its first manager — account with a second factor, centre and
 * membership — all or nothing.
 */
export async function signUp(input: {
  centre: CreateCentreInput;
  manager: { email: string; password: string; firstName: string; lastName: string };
}) {
  const now = new Date().toISOString();
  const centreId = newId();
  const centre: Centre = {
    centreId,
    kind: input.centre.kind,
    name: input.centre.name,
    address: input.centre.address,
    vatNumber: input.centre.vatNumber,
    phone: input.centre.phone,
    email: input.centre.email,
    timeZone: input.centre.timeZone ?? 'Europe/Brussels',
    locale: input.centre.locale ?? 'fr-BE',
    openingHours: input.centre.openingHours ?? [],
    locations: (input.centre.locations ?? []).map((l) => ({ ...l, locationId: l.locationId ?? newId() })),
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const { email, firstName, lastName } = input.manager;
  const account = await newAccount({ ...input.manager, secondFactor: true });
  try {
    await transactWrite([
      ...account.writes,
      centrePut(centre),
      membershipPut({
        centreId,
        centreName: centre.name,
        userId: account.userId,
        role: 'manager',
        status: 'active',
        servedPractitionerIds: [],
        firstName,
        lastName,
        email,
        joinedAt: now,
      }),
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).includes(0)) {
      throw conflict(
        'email_taken',
        'An account already exists for this e-mail; sign in and accept an invitation instead',
        {
          fields: [{ field: 'body.manager.email', message: 'already registered' }],
        },
      );
    }
    throw error;
  }
  return { centreId, userId: account.userId, totp: account.totp! };
}
