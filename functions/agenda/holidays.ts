import { DateTime } from 'luxon';

/**
 * National public holidays of Belgium and France, as data (the agenda's free-slot search skips them).
 *
 * Sources: Belgium, the ten legal holidays (arrêté royal du 18 avril 1974, SPF Emploi); France, the
 * public holidays of the Code du travail, art. L3133-1 (without the Alsace-Moselle extra days). Easter
 * Sunday dates: the Gregorian computus, cross-checked against the `date-holidays` package
 * (test/agenda/holidays.unit.test.ts).
 *
 * The Easter table covers 2024–2040 only: extend `EASTER` (and `HOLIDAY_YEARS`) before 2040.
 */
export type HolidayCountry = 'BE' | 'FR';

export interface PublicHoliday {
  /** YYYY-MM-DD */
  date: string;
  /** French name */
  name: string;
}

export const HOLIDAY_YEARS: Readonly<{ first: number; last: number }> = { first: 2024, last: 2040 };

/** Easter Sunday (Gregorian) per year. */
const EASTER: Readonly<Record<number, string>> = {
  2024: '2024-03-31',
  2025: '2025-04-20',
  2026: '2026-04-05',
  2027: '2027-03-28',
  2028: '2028-04-16',
  2029: '2029-04-01',
  2030: '2030-04-21',
  2031: '2031-04-13',
  2032: '2032-03-28',
  2033: '2033-04-17',
  2034: '2034-04-09',
  2035: '2035-03-25',
  2036: '2036-04-13',
  2037: '2037-04-05',
  2038: '2038-04-25',
  2039: '2039-04-10',
  2040: '2040-04-01',
};

interface CountryHolidays {
  /** Month-day (MM-DD) and name. */
  fixed: readonly (readonly [monthDay: string, name: string])[];
  /** Offset in days from Easter Sunday, and name. */
  easter: readonly (readonly [offset: number, name: string])[];
}

const HOLIDAYS: Readonly<Record<HolidayCountry, CountryHolidays>> = {
  BE: {
    fixed: [
      ['01-01', 'Nouvel An'],
      ['05-01', 'Fête du Travail'],
      ['07-21', 'Fête nationale'],
      ['08-15', 'Assomption'],
      ['11-01', 'Toussaint'],
      ['11-11', 'Armistice'],
      ['12-25', 'Noël'],
    ],
    easter: [
      [1, 'Lundi de Pâques'],
      [39, 'Ascension'],
      [50, 'Lundi de Pentecôte'],
    ],
  },
  FR: {
    fixed: [
      ['01-01', "Jour de l'An"],
      ['05-01', 'Fête du Travail'],
      ['05-08', 'Victoire 1945'],
      ['07-14', 'Fête nationale'],
      ['08-15', 'Assomption'],
      ['11-01', 'Toussaint'],
      ['11-11', 'Armistice'],
      ['12-25', 'Noël'],
    ],
    easter: [
      [1, 'Lundi de Pâques'],
      [39, 'Ascension'],
      [50, 'Lundi de Pentecôte'],
    ],
  },
};

const cache = new Map<string, readonly PublicHoliday[]>();

function holidaysOf(country: HolidayCountry, year: number): readonly PublicHoliday[] {
  const key = `${country}:${year}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const easter = Number.isInteger(year) ? EASTER[year] : undefined;
  if (easter === undefined) {
    throw new Error(
      `No public holiday data for ${String(year)}: the table covers ${HOLIDAY_YEARS.first}–${HOLIDAY_YEARS.last}`,
    );
  }
  const { fixed, easter: relative } = HOLIDAYS[country];
  const easterSunday = DateTime.fromISO(easter, { zone: 'utc' });
  const list = [
    ...fixed.map(([monthDay, name]) => ({ date: `${year}-${monthDay}`, name })),
    ...relative.map(([days, name]) => ({ date: easterSunday.plus({ days }).toFormat('yyyy-MM-dd'), name })),
  ].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  cache.set(key, list);
  return list;
}

/** The country's national public holidays in `year`, sorted by date; throws outside `HOLIDAY_YEARS`. */
export function publicHolidays(country: HolidayCountry, year: number): PublicHoliday[] {
  return holidaysOf(country, year).map((holiday) => ({ ...holiday }));
}

/** Whether `date` (YYYY-MM-DD) is a national public holiday of `country`; false for another country or year. */
export function isPublicHoliday(country: string, date: string): boolean {
  if (country !== 'BE' && country !== 'FR') return false;
  const match = /^(\d{4})-\d{2}-\d{2}$/.exec(date);
  if (!match) return false;
  const year = Number(match[1]);
  if (year < HOLIDAY_YEARS.first || year > HOLIDAY_YEARS.last) return false;
  return holidaysOf(country, year).some((holiday) => holiday.date === date);
}
