import { monotonicFactory } from 'ulidx';
import * as z from 'zod';

/** ULIDs: sortable by creation time, used for every entity id and for time-ordered sort keys. */
export const newId = monotonicFactory();

export const ulidSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID (26 characters, Crockford base 32)');
