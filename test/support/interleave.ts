import { db } from '#shared/db/client';

/**
 * Runs `operation` with `interloper` slipped in just before its first DynamoDB request whose command
 * name matches `before` — after the operation's reads, before its write: a race made deterministic.
 * The interloper's own requests pass through untouched.
 */
export async function withInterleaved<T>(
  before: RegExp,
  interloper: () => Promise<unknown>,
  operation: () => Promise<T>,
) {
  let done = false;
  const name = 'test-interleave';
  db.middlewareStack.add(
    (next, context) => async (args) => {
      if (!done && before.test(context.commandName ?? '')) {
        done = true;
        await interloper();
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    const result = await operation();
    if (!done) throw new Error(`No ${String(before)} request was made: nothing was interleaved`);
    return result;
  } finally {
    db.middlewareStack.remove(name);
  }
}
