import type { Actor } from '#shared/access/actor';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { transactionConditionFailed, transactWrite, updateItem } from '#shared/db/table';
import { conflict, DomainError, unauthenticated } from '#shared/errors';
import { findCredential, findUser } from './repository';
import { matchTotp, newTotpSecret, totpUri } from './totp';

/**
 * Opt-in second factor for staff who have none (P4). An enrolled factor is never replaced from an
 * access token alone: whoever holds a stolen token must not be able to take over the account.
 */
const alreadyEnrolled = () =>
  conflict(
    'totp_already_enrolled',
    'A second factor is already enrolled on this account; replacing it needs an account recovery',
  );

export async function startTotpEnrolment(actor: Actor) {
  const user = await findUser(actor.userId);
  if (!user) throw unauthenticated('This account no longer exists', 'invalid_token');
  if ((await findCredential(user.email))?.totpSecret) throw alreadyEnrolled();
  const secret = newTotpSecret();
  await updateItem({
    Key: keys.user(actor.userId),
    UpdateExpression: 'SET totpPendingSecret = :secret',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':secret': secret },
  });
  return { secret, otpauthUri: totpUri(secret, user.email) };
}

export async function confirmTotpEnrolment(actor: Actor, input: { code: string }) {
  const user = await findUser(actor.userId);
  if (!user?.totpPendingSecret) throw conflict('no_pending_enrolment', 'Start the enrolment first (POST /me/totp)');
  const step = matchTotp(user.totpPendingSecret, input.code);
  if (step === undefined)
    throw new DomainError('validation', 'invalid_code', 'The code is not correct', {
      fields: [{ field: 'body.code', message: 'does not match' }],
    });
  try {
    await transactWrite([
      {
        Update: {
          TableName: tableName,
          Key: keys.credential(user.email),
          UpdateExpression: 'SET totpSecret = :secret, lastTotpStep = :step',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(totpSecret)',
          ExpressionAttributeValues: { ':secret': user.totpPendingSecret, ':step': step },
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: keys.user(actor.userId),
          UpdateExpression: 'SET totpEnabled = :yes REMOVE totpPendingSecret',
          ExpressionAttributeValues: { ':yes': true },
        },
      },
    ]);
  } catch (error) {
    if (transactionConditionFailed(error).includes(0)) throw alreadyEnrolled();
    throw error;
  }
}
