/**
 * Name normalisation for the name-ordered index keys and the last-name prefix search: one
 * function, applied identically to stored keys and to search prefixes (docs/DATA_MODEL.md, norm()).
 */

/**
 * Letters NFKD does not decompose, folded to what people type on a keyboard without them
 * ("Łukasz" is found by "lukasz", "Søren" by "soren"); final sigma folds to sigma so a Greek
 * prefix matches wherever the word ends.
 */
const FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ħ: 'h',
  ı: 'i',
  ς: 'σ',
};
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join('')}]`, 'gu');

/**
 * Compatibility-decomposed, combining marks dropped, lower-cased, a few Latin letters folded,
 * and only letters and digits kept, of any script:
 * "Van der Berghe-Müller" → "vanderberghemuller", "Łukasz" → "lukasz", "Иванов" → "иванов".
 */
export function normaliseName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(FOLDABLE, (letter) => FOLDS[letter] ?? letter)
    .replace(/[^\p{L}\p{N}]/gu, '');
}
