/**
 * `npm run generate:phone-metadata`: writes shared/phone/metadata.json, libphonenumber-js's own
 * "min" metadata restricted to the countries whose numbers Centrum validates exactly (see
 * docs/decisions/0007-bundle-size.md). Run it after upgrading libphonenumber-js; a test fails
 * until the committed file matches.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

/** Belgium, France and their neighbours, the EU, and the countries most patients' phones come from. */
export const EXACT_COUNTRIES = [
  'BE',
  'FR',
  'LU',
  'NL',
  'DE',
  'GB',
  'IE',
  'CH',
  'AT',
  'IT',
  'ES',
  'PT',
  'PL',
  'RO',
  'BG',
  'GR',
  'CZ',
  'SK',
  'HU',
  'DK',
  'SE',
  'FI',
  'MC',
  'MA',
  'DZ',
  'TN',
  'TR',
  'CD',
  'CM',
  'SN',
  'CI',
  'US',
  'CA',
  // French overseas departments and territories
  'GP',
  'MQ',
  'GF',
  'RE',
  'YT',
  'PM',
  'NC',
  'PF',
  'BL',
  'MF',
  'WF',
].sort();

export function phoneMetadata() {
  const source = createRequire(import.meta.url).resolve('libphonenumber-js/metadata.min.json');
  const metadata = JSON.parse(readFileSync(source, 'utf8')) as {
    version: number;
    country_calling_codes: Record<string, string[]>;
    countries: Record<string, unknown>;
  };
  const callingCodes = Object.fromEntries(
    Object.entries(metadata.country_calling_codes)
      .map(([code, countries]) => [code, countries.filter((c) => EXACT_COUNTRIES.includes(c))] as const)
      .filter(([, countries]) => countries.length > 0),
  );
  const countries = Object.fromEntries(EXACT_COUNTRIES.map((c) => [c, metadata.countries[c]]));
  return { version: metadata.version, country_calling_codes: callingCodes, countries };
}

export const metadataFile = resolve(import.meta.dirname, '..', 'shared', 'phone', 'metadata.json');

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(metadataFile, `${JSON.stringify(phoneMetadata())}\n`);
  console.log(`wrote ${metadataFile}`);
}
