import Holidays from 'date-holidays';
import { describe, expect, it } from 'vitest';
import { HOLIDAY_YEARS, isPublicHoliday, publicHolidays, type HolidayCountry } from '#functions/agenda/holidays';

const countries: HolidayCountry[] = ['BE', 'FR'];
const years = Array.from({ length: HOLIDAY_YEARS.last - HOLIDAY_YEARS.first + 1 }, (_, i) => HOLIDAY_YEARS.first + i);

/**
 * The `public` days of the `date-holidays` package. For BE and FR (national, no state given) it lists
 * exactly the legal holidays: Easter Sunday, Pentecost Sunday and the Belgian Fête du Roi are `observance`
 * (dropped by the type filter), it adds no substitute days, so nothing else needs filtering out. Should a
 * later version add one (e.g. a substitute day), filter it here, explicitly, with the reason.
 */
function referenceDates(country: HolidayCountry, year: number): string[] {
  return new Holidays(country)
    .getHolidays(year)
    .filter((holiday) => holiday.type === 'public')
    .map((holiday) => holiday.date.slice(0, 10))
    .sort();
}

describe('public holidays', () => {
  it('covers 2024–2040', () => {
    expect(HOLIDAY_YEARS).toEqual({ first: 2024, last: 2040 });
    expect(years).toHaveLength(17);
  });

  for (const country of countries) {
    it.each(years)(`${country} %i matches date-holidays`, (year) => {
      const dates = publicHolidays(country, year).map((holiday) => holiday.date);
      expect(dates).toEqual(referenceDates(country, year));
      expect(dates).toHaveLength(country === 'BE' ? 10 : 11);
      expect(new Set(dates).size).toBe(dates.length);
      expect(dates.every((date) => date.startsWith(`${year}-`))).toBe(true);
    });
  }

  it('lists them sorted by date, with French names', () => {
    expect(publicHolidays('BE', 2026)).toEqual([
      { date: '2026-01-01', name: 'Nouvel An' },
      { date: '2026-04-06', name: 'Lundi de Pâques' },
      { date: '2026-05-01', name: 'Fête du Travail' },
      { date: '2026-05-14', name: 'Ascension' },
      { date: '2026-05-25', name: 'Lundi de Pentecôte' },
      { date: '2026-07-21', name: 'Fête nationale' },
      { date: '2026-08-15', name: 'Assomption' },
      { date: '2026-11-01', name: 'Toussaint' },
      { date: '2026-11-11', name: 'Armistice' },
      { date: '2026-12-25', name: 'Noël' },
    ]);
    expect(publicHolidays('FR', 2027)).toContainEqual({ date: '2027-05-06', name: 'Ascension' });
    expect(publicHolidays('FR', 2027)).toContainEqual({ date: '2027-05-08', name: 'Victoire 1945' });
    // Easter-relative days crossing a month boundary: Easter 2038 is 25 April.
    expect(publicHolidays('BE', 2038).map((holiday) => holiday.date)).toEqual(
      expect.arrayContaining(['2038-04-26', '2038-06-03', '2038-06-14']),
    );
  });

  it('hands out copies: mutating a result does not alter the next one', () => {
    const first = publicHolidays('FR', 2030);
    first[0]!.date = 'changed';
    first.pop();
    expect(publicHolidays('FR', 2030)[0]).toEqual({ date: '2030-01-01', name: "Jour de l'An" });
    expect(publicHolidays('FR', 2030)).toHaveLength(11);
  });

  it('tells whether a day is a public holiday', () => {
    expect(isPublicHoliday('BE', '2026-07-21')).toBe(true);
    expect(isPublicHoliday('FR', '2026-07-21')).toBe(false);
    expect(isPublicHoliday('FR', '2026-07-14')).toBe(true);
    expect(isPublicHoliday('BE', '2026-05-08')).toBe(false);
    expect(isPublicHoliday('FR', '2026-05-08')).toBe(true);
    expect(isPublicHoliday('BE', '2026-04-06')).toBe(true);
    expect(isPublicHoliday('BE', '2026-04-05')).toBe(false); // Easter Sunday itself is not in the list
    expect(isPublicHoliday('LU', '2026-12-25')).toBe(false);
    expect(isPublicHoliday('be', '2026-12-25')).toBe(false);
    expect(isPublicHoliday('BE', '2041-12-25')).toBe(false);
    expect(isPublicHoliday('BE', '2023-12-25')).toBe(false);
    expect(isPublicHoliday('BE', 'not-a-date')).toBe(false);
  });

  it('refuses a year outside the data range', () => {
    expect(() => publicHolidays('BE', 2023)).toThrow(/2023.*2024–2040/);
    expect(() => publicHolidays('FR', 2041)).toThrow(/2041.*2024–2040/);
    expect(() => publicHolidays('FR', 2026.5)).toThrow(/2024–2040/);
  });
});
