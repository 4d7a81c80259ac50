import type { Actor } from '#shared/access/actor';
import type { Cursors } from '#shared/http/cursor';
import { deviceFromItem, devices, signInEventFromItem, signInEvents } from './repository';

/** A person's own sign-in history and known devices (P4), latest sign-ins first. */
export function listSignIns(actor: Actor, query: { limit: number; cursor?: string | undefined }, cursors: Cursors) {
  return cursors.page(
    `sign-ins:${actor.userId}`,
    query.cursor,
    (start) => signInEvents(actor.userId, query.limit, start),
    signInEventFromItem,
  );
}

export function listDevices(actor: Actor, query: { limit: number; cursor?: string | undefined }, cursors: Cursors) {
  return cursors.page(
    `devices:${actor.userId}`,
    query.cursor,
    (start) => devices(actor.userId, query.limit, start),
    deviceFromItem,
  );
}
