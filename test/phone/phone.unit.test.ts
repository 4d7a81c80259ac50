import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toE164 } from '#shared/phone/phone';
import { metadataFile, phoneMetadata } from '../../scripts/generate-phone-metadata';

describe('phone numbers', () => {
  it.each([
    ['0470 11 22 33', '+32470112233'],
    ['+32 2 600 11 22', '+3226001122'],
    ['0033 6 12 34 56 78', '+33612345678'],
    ['+212 6 61 23 45 67', '+212661234567'],
    ['+352 621 123 456', '+352621123456'],
  ])('normalises %s to %s', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });

  it.each(['12', '0470 11 22', '+32123', '+33012345678', 'call me', '+81'])('refuses %s', (input) => {
    expect(toE164(input)).toBeUndefined();
  });

  it('accepts a well-formed international number of a country outside the exact list', () => {
    expect(toE164('+81 3-1234-5678')).toBe('+81312345678');
  });

  it('keeps the committed metadata equal to what libphonenumber-js generates (run npm run generate:phone-metadata)', () => {
    expect(JSON.parse(readFileSync(metadataFile, 'utf8'))).toEqual(phoneMetadata());
  });
});
