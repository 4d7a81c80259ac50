import { accountExists, admitSignUp, hashPassword, newAccount } from '#contexts/identity';
import { config } from '#shared/config';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { getItem, putItem, type TransactItem, transactionConditionFailed, transactWrite } from '#shared/db/table';
import { conflict, notFound } from '#shared/errors';
import { newId } from '#shared/ids';
import { logger } from '#shared/logger';
import { mailer } from '#shared/messaging/mailer';
import { hashToken, newOpaqueToken } from '#shared/opaque-token';
import type { Origin } from '#shared/origin';
import { centrePut, membershipPut } from './repository';
import type { Centre, CreateCentreInput, SignUpInput } from './schemas';

/**
 * Sign-up (P1) in two steps, so that it never tells who has an account (sign-in hides it too):
 * 1. `POST /auth/sign-up` answers 202 `check_email` whatever the address, after the same work either
 *    way (a quota, a look-up, a password hash, one item written, one e-mail). A new address gets a
 *    link to confirm; an address that has an account is told so by e-mail, with no link.
 * 2. `POST /auth/sign-up/confirm` with the link's token creates the account with its second factor,
 *    the centre and the manager membership, all or nothing, and uses the token up.
 * Quotas per client and per address: functions/identity/throttle.ts (docs/decisions/0016).
 */
export const SIGN_UP_LINK_HOURS = 24;

interface PendingSignUp {
  centre: CreateCentreInput;
  manager: { email: string; firstName: string; lastName: string; passwordHash?: string };
  /** The address already had an account: the item only records the attempt; its token was never sent. */
  existingAccount: boolean;
  requestedAt: string;
  expiresAt: string;
}

/**
 * Records a sign-up request and returns its token, without sending anything: the API e-mails it
 * (requestSignUp); tests confirm it directly.
 */
export async function startSignUp(input: SignUpInput, now = new Date()) {
  const { email, password, firstName, lastName } = input.manager;
  const [existingAccount, passwordHash] = await Promise.all([accountExists(email), hashPassword(password)]);
  const token = newOpaqueToken();
  const expiresAt = new Date(now.getTime() + SIGN_UP_LINK_HOURS * 3600 * 1000);
  const pending: PendingSignUp = {
    centre: input.centre,
    manager: { email, firstName, lastName, ...(existingAccount ? {} : { passwordHash }) },
    existingAccount,
    requestedAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  await putItem({
    ...keys.pendingSignUp(hashToken(token)),
    entity: 'PendingSignUp',
    ...pending,
    ttl: Math.ceil(expiresAt.getTime() / 1000),
  });
  return { token, pending };
}

/** POST /auth/sign-up: the same answer for every address; the e-mail tells the owner what happened. */
export async function requestSignUp(input: SignUpInput, origin: Origin) {
  const { mayEmail } = await admitSignUp(input.manager.email, origin.sourceIp);
  const { token, pending } = await startSignUp(input);
  if (mayEmail) await deliver(pending, token);
  else logger.warn('sign-up e-mail quota of an address reached: nothing sent');
  return { status: 'check_email' as const };
}

/** POST /auth/sign-up/confirm: the centre and its manager, once, from a link not expired. */
export async function confirmSignUp(input: { token: string }, now = new Date()) {
  const key = keys.pendingSignUp(hashToken(input.token));
  const item = (await getItem(key, true)) as (PendingSignUp & Record<string, unknown>) | undefined;
  const passwordHash = item?.manager.passwordHash;
  if (!item || item.existingAccount || !passwordHash || item.expiresAt <= now.toISOString()) {
    throw notFound('sign_up', 'sign_up_not_found');
  }
  const useToken: TransactItem = {
    Delete: { TableName: tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' },
  };
  return createCentreWithManager({ centre: item.centre, manager: { ...item.manager, passwordHash } }, [useToken]);
}

/**
 * A centre and its first manager — account with a second factor, centre and membership — all or
 * nothing, with `extra` writes in the same transaction (the confirmed sign-up's token, used up).
 * The demo seed and tests call it directly.
 */
export async function createCentreWithManager(
  input: {
    centre: CreateCentreInput;
    manager: { email: string; firstName: string; lastName: string } & ({ password: string } | { passwordHash: string });
  },
  extra: TransactItem[] = [],
) {
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
  const writes = [
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
    ...extra,
  ];
  try {
    await transactWrite(writes);
  } catch (error) {
    const failed = transactionConditionFailed(error);
    // The link was used meanwhile (a second click): as if it never existed.
    if (extra.length > 0 && failed.includes(writes.length - 1)) throw notFound('sign_up', 'sign_up_not_found');
    if (failed.includes(0)) {
      throw conflict('email_taken', 'An account was created for this e-mail meanwhile: sign in instead', {
        fields: [{ field: 'body.manager.email', message: 'already registered' }],
      });
    }
    throw error;
  }
  return { centreId, userId: account.userId, totp: account.totp! };
}

/** The confirmation link carries the token in the fragment, which browsers never send to a server. */
export const signUpLink = (token: string) => `${config.appBaseUrl}/sign-up/confirm#token=${token}`;

/** Sends the sign-up e-mail; a failure is logged by name only, and the person can ask again. */
async function deliver(pending: PendingSignUp, token: string) {
  try {
    await mailer().send({
      to: pending.manager.email,
      kind: pending.existingAccount ? 'sign-up-existing-account' : 'sign-up-confirmation',
      ...signUpEmail(pending, token),
    });
  } catch (error) {
    logger.error('sign-up e-mail not sent', { error: (error as Error).name });
  }
}

type Language = 'fr' | 'nl' | 'de' | 'en';
const languageOf = (locale: CreateCentreInput['locale']): Language =>
  locale === 'nl-BE' ? 'nl' : locale === 'de-BE' ? 'de' : locale === 'en' ? 'en' : 'fr';

/**
 * The e-mail, in the language asked for the centre. To an address that has an account, no link
 * and none of the text the requester typed (it may not be its owner).
 */
export function signUpEmail(pending: PendingSignUp, token: string): { subject: string; text: string } {
  const signIn = `${config.appBaseUrl}/sign-in`;
  const link = signUpLink(token);
  const name = pending.centre.name;
  const hours = SIGN_UP_LINK_HOURS;
  const texts: Record<
    Language,
    { existing: { subject: string; text: string }; confirm: { subject: string; text: string } }
  > = {
    fr: {
      existing: {
        subject: 'Demande de création de centre sur Centrum',
        text: `Bonjour,\n\nQuelqu'un (peut-être vous) a demandé à créer un centre sur Centrum avec cette adresse, qui a déjà un compte. Rien n'a été créé.\n\nConnectez-vous ici : ${signIn}\nPour rejoindre un autre centre, demandez une invitation à sa direction.\n\nSi ce n'était pas vous, ignorez ce message : votre compte n'a pas changé.\n`,
      },
      confirm: {
        subject: `Confirmez la création de ${name} sur Centrum`,
        text: `Bonjour,\n\nConfirmez votre adresse pour créer le centre ${name} sur Centrum (lien valable ${hours} heures) :\n${link}\n\nSi vous n'avez rien demandé, ignorez ce message : rien ne sera créé.\n`,
      },
    },
    nl: {
      existing: {
        subject: 'Aanvraag om een centrum aan te maken op Centrum',
        text: `Hallo,\n\nIemand (misschien u) vroeg om een centrum aan te maken op Centrum met dit adres, dat al een account heeft. Er werd niets aangemaakt.\n\nMeld u hier aan: ${signIn}\nVraag de beheerder van een ander centrum om een uitnodiging om het te vervoegen.\n\nWas u het niet? Negeer dit bericht: uw account is niet gewijzigd.\n`,
      },
      confirm: {
        subject: `Bevestig het aanmaken van ${name} op Centrum`,
        text: `Hallo,\n\nBevestig uw adres om het centrum ${name} aan te maken op Centrum (link ${hours} uur geldig):\n${link}\n\nHebt u niets gevraagd? Negeer dit bericht: er wordt niets aangemaakt.\n`,
      },
    },
    de: {
      existing: {
        subject: 'Anfrage zur Erstellung eines Zentrums auf Centrum',
        text: `Guten Tag,\n\njemand (vielleicht Sie) hat mit dieser Adresse, die bereits ein Konto hat, ein Zentrum auf Centrum anlegen wollen. Es wurde nichts angelegt.\n\nHier anmelden: ${signIn}\nUm einem anderen Zentrum beizutreten, bitten Sie dessen Verwaltung um eine Einladung.\n\nWaren Sie es nicht, ignorieren Sie diese Nachricht: Ihr Konto ist unverändert.\n`,
      },
      confirm: {
        subject: `Bestätigen Sie die Erstellung von ${name} auf Centrum`,
        text: `Guten Tag,\n\nbestätigen Sie Ihre Adresse, um das Zentrum ${name} auf Centrum anzulegen (Link ${hours} Stunden gültig):\n${link}\n\nHaben Sie nichts angefragt, ignorieren Sie diese Nachricht: es wird nichts angelegt.\n`,
      },
    },
    en: {
      existing: {
        subject: 'Request to create a centre on Centrum',
        text: `Hello,\n\nSomeone (perhaps you) asked to create a centre on Centrum with this address, which already has an account. Nothing was created.\n\nSign in here: ${signIn}\nTo join another centre, ask its manager for an invitation.\n\nIf it was not you, ignore this message: your account has not changed.\n`,
      },
      confirm: {
        subject: `Confirm the creation of ${name} on Centrum`,
        text: `Hello,\n\nConfirm your address to create the centre ${name} on Centrum (link valid ${hours} hours):\n${link}\n\nIf you did not ask for this, ignore this message: nothing will be created.\n`,
      },
    },
  };
  const language = texts[languageOf(pending.centre.locale)];
  return pending.existingAccount ? language.existing : language.confirm;
}
