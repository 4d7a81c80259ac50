import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseName } from '#functions/patients/names';
import { patientItem } from '#functions/patients/repository';
import type { Patient } from '#functions/patients/schemas';
import { boundedKeyText, keys, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, NAME_KEY_BYTES } from '#shared/db/keys';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Characters whose normalised form is longest in UTF-8 (U+FDFA becomes 30 bytes of Arabic letters,
 * the squared Katakana words 15–18 bytes), Hangul syllables (decomposed into three jamo), combining
 * marks, an astral letter, and plain letters.
 */
const expanding = ['\uFDFA', '\u3316', '\u321D', '\u327C', '\uD55C', '\uAC01', 'a\u0301\u0302', '\u{1D518}', 'é', 'x'];
const hostileText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...expanding), maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom(...expanding.map((c) => c.repeat(maxLength))),
  );

describe('user text in keys', () => {
  it('is cut to at most the bytes asked, between code points, keeping the longest such prefix', () => {
    fc.assert(
      fc.property(hostileText(400), fc.integer({ min: 1, max: 1200 }), (text, max) => {
        const cut = boundedKeyText(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(bytes(cut)).toBeLessThanOrEqual(max);
        expect(LONE_SURROGATE.test(cut)).toBe(LONE_SURROGATE.test(text.slice(0, cut.length)));
        if (cut.length < text.length) {
          const next = String.fromCodePoint(text.codePointAt(cut.length)!);
          expect(bytes(cut) + bytes(next)).toBeGreaterThan(max);
        } else {
          expect(bytes(text)).toBeLessThanOrEqual(max);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps names whose normalised form fits whole, so short names sort and search as before', () => {
    expect(keys.patientNameKey('dubois', 'marie', 'P1')).toBe('dubois#marie#P1');
    expect(keys.patientNamePrefix('dub')).toBe('dub');
    const long = normaliseName('\uFDFA'.repeat(100));
    expect(bytes(long)).toBe(3000);
    expect(bytes(keys.patientNamePrefix(long))).toBeLessThanOrEqual(NAME_KEY_BYTES);
    expect(keys.patientNameKey(long, long, 'P1').startsWith(keys.patientNamePrefix(long))).toBe(true);
  });

  it('a patient item has every key within DynamoDB limits, whatever the names (any script, 100 characters)', () => {
    const base: Patient = {
      centreId: '01J00000000000000000000000',
      patientId: '01J00000000000000000000001',
      practitionerId: '01J00000000000000000000002',
      firstName: 'x',
      lastName: 'x',
      birthDate: '2001-02-03',
      relatedPersons: [],
      correspondents: [],
      portalOptOut: false,
      status: 'active',
      version: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      createdBy: '01J00000000000000000000002',
    };
    fc.assert(
      fc.property(hostileText(100), hostileText(100), (lastName, firstName) => {
        const item = patientItem({ ...base, lastName, firstName });
        for (const name of ['pk', 'gsi1pk', 'gsi2pk', 'gsi3pk'])
          expect(bytes(String(item[name]))).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES);
        for (const name of ['sk', 'gsi1sk', 'gsi2sk', 'gsi3sk'])
          expect(bytes(String(item[name]))).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES);
        // The stored key starts with what a search for the whole last name queries.
        expect(String(item.gsi1sk).startsWith(keys.patientNamePrefix(normaliseName(lastName)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
