import type { Actor } from '#shared/access/actor';
import { tableName } from '#shared/db/client';
import { keys } from '#shared/db/keys';
import { runAsUpkeep } from '#shared/db/request-counter';
import { type Item, queryPage, type TransactItem } from '#shared/db/table';
import { unauthenticated } from '#shared/errors';
import { newId } from '#shared/ids';
import { ACCESS_TOKEN_SECONDS } from './tokens';

/**
 * Revocation of access tokens within a minute, without a database read per request
 * (docs/decisions/0017-revocation.md). Access tokens live 15 minutes and are verified without the
 * database; what must stop working sooner is written to one time-ordered partition:
 * - a session signed out or revoked (refresh-token reuse): every token of that session;
 * - a member's rights changed (suspended, role or served practitioners changed): every token of that
 *   member at that centre issued up to that second — a refresh gets the new rights, or none.
 * Each function instance keeps the revocations in memory and reads the new ones (one Query, with
 * a few seconds of overlap for clocks) when its copy is REFRESH_MS old, on the request that finds it
 * so: a revocation reaches every instance within REFRESH_MS plus one request.
 */
export const REFRESH_MS = 30_000;
/** Overlap of each read with the previous one: writers' clocks and write latency. */
const OVERLAP_MS = 5_000;
/** A revocation matters while a token issued before it can live. */
const KEEP_MS = ACCESS_TOKEN_SECONDS * 1000 + 60_000;

type Revocation = { kind: 'session'; sessionId: string } | { kind: 'member'; centreId: string; userId: string };

function revocationPut(revocation: Revocation, at: number): TransactItem {
  const iso = new Date(at).toISOString();
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.revocation(iso, newId()),
        entity: 'Revocation',
        ...revocation,
        at,
        ttl: Math.ceil((at + KEEP_MS) / 1000) + 3600,
      },
    },
  };
}

/** Every access token of the session stops working (sign-out, refresh-token reuse). */
export const sessionRevocationPut = (sessionId: string, at = Date.now()) =>
  revocationPut({ kind: 'session', sessionId }, at);

/** The member's tokens at this centre issued up to now stop working (their rights changed). */
export const memberRevocationPut = (centreId: string, userId: string, at = Date.now()) =>
  revocationPut({ kind: 'member', centreId, userId }, at);

const memberKey = (centreId: string, userId: string) => `${centreId}#${userId}`;

/** This instance's copy of the revocations, and when it was last brought up to date. */
const known = {
  sessions: new Map<string, number>(),
  members: new Map<string, number>(),
  readAt: undefined as number | undefined,
  reading: undefined as Promise<void> | undefined,
};

async function readNewRevocations(now: number) {
  // From scratch at start, and if this clock went back since the last read (never miss one).
  const fromScratch = known.readAt === undefined || now < known.readAt;
  const since = fromScratch ? now - KEEP_MS : known.readAt! - OVERLAP_MS;
  let startKey: Item | undefined;
  do {
    const page = await runAsUpkeep(() =>
      queryPage({
        partition: { name: 'pk', value: keys.revocationPartition },
        sort: { name: 'sk', after: new Date(since).toISOString() },
        limit: 1000,
        startKey,
        consistent: true,
      }),
    );
    for (const item of page.items) {
      const at = Number(item.at);
      if (item.kind === 'session') known.sessions.set(String(item.sessionId), at);
      else known.members.set(memberKey(String(item.centreId), String(item.userId)), at);
    }
    startKey = page.lastKey;
  } while (startKey);
  for (const map of [known.sessions, known.members])
    for (const [key, at] of map) if (at < now - KEEP_MS) map.delete(key);
  known.readAt = now;
}

/**
 * Refuses (401) an access token that was revoked, reading new revocations first when this
 * instance's copy is REFRESH_MS old (concurrent requests share that one read). Synchronous while
 * the copy is fresh (no promise on the hot path); a promise to await when it is read again.
 */
export function assertNotRevoked(actor: Actor, issuedAtSeconds: number, now = Date.now()): Promise<void> | undefined {
  if (known.readAt === undefined || now - known.readAt >= REFRESH_MS || now < known.readAt) {
    known.reading ??= readNewRevocations(now).finally(() => {
      known.reading = undefined;
    });
    return known.reading.then(() => checkAgainstCopy(actor, issuedAtSeconds));
  }
  checkAgainstCopy(actor, issuedAtSeconds);
  return undefined;
}

function checkAgainstCopy(actor: Actor, issuedAtSeconds: number) {
  if (known.sessions.has(actor.sessionId)) {
    throw unauthenticated('This session was signed out or revoked: sign in again', 'session_revoked');
  }
  const changedAt = known.members.get(memberKey(actor.centreId, actor.userId));
  // iat has whole seconds: a token of the revocation's second is refused too (a refresh fixes it).
  if (changedAt !== undefined && issuedAtSeconds <= Math.floor(changedAt / 1000)) {
    throw unauthenticated('Your rights at this centre changed: refresh the session', 'token_revoked');
  }
}

/** Tests only: forget this instance's copy, as a new instance would start. */
export function forgetRevocations() {
  known.sessions.clear();
  known.members.clear();
  known.readAt = undefined;
}
