import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultReminderTemplates,
  previewValues,
  reminderLocales,
  reminderPlaceholders,
  reminderTemplateSchema,
  reminderTemplatesSchema,
  renderReminder,
  smsSegments,
  type ReminderChannel,
  type ReminderLocale,
  type ReminderValues,
} from '#functions/reminders/templates';

const channels: ReminderChannel[] = ['sms', 'email'];
const cases = reminderLocales.flatMap((locale) => channels.map((channel) => [locale, channel] as const));

/** Tuesday 8 December 2026, 14:30 in Brussels (UTC+1 in winter). */
const values = (overrides: Partial<ReminderValues> = {}): ReminderValues => ({
  firstName: 'Marie',
  start: '2026-12-08T13:30:00.000Z',
  timeZone: 'Europe/Brussels',
  practitioner: 'Dr Martin',
  location: 'Cabinet 2',
  centre: 'Centre Demo',
  confirmLink: 'https://example.invalid/r/confirm',
  cancelLink: 'https://example.invalid/r/cancel',
  ...overrides,
});

/** Values at the long end of what centres send: the SMS cost is checked on these. */
const longValues = values({
  firstName: 'Jean-Christophe',
  start: '2026-09-30T07:45:00.000Z',
  practitioner: 'Dr Anne-Sophie Vandenberghe',
  location: 'Cabinet 12',
  centre: 'Centre Medical Saint-Luc',
  confirmLink: 'https://rdv.centrum.be/r/c/7Hq2mX9pLw4ZkR8vT3nB',
  cancelLink: 'https://rdv.centrum.be/r/x/3Tn8vK5rQz1YhG6cD2mW',
});

const render = (locale: ReminderLocale, channel: ReminderChannel, overrides: Partial<ReminderValues> = {}) =>
  renderReminder({ locale, channel, values: values(overrides) });

/** Subject and text together, as a reader sees them. */
const whole = (rendered: { text: string; subject?: string }) => `${rendered.subject ?? ''}\n${rendered.text}`;

describe('default templates', () => {
  it.each(cases)('%s %s leaves no placeholder or bracket and names the appointment', (locale, channel) => {
    // Act
    const rendered = render(locale, channel);

    // Assess
    const all = whole(rendered);
    expect(all).not.toMatch(/[{}[\]]/);
    for (const value of ['Dr Martin', 'Centre Demo', 'https://example.invalid/r/confirm']) expect(all).toContain(value);
    expect(all).toContain('https://example.invalid/r/cancel');
    expect(all).toMatch(/14(:|h)30/);
    expect(all).toMatch(/8\.? (décembre|december|Dezember|December) 2026/);
    expect(rendered.subject === undefined).toBe(channel === 'sms');
  });

  it.each(reminderLocales)('%s e-mail shows the location', (locale) => {
    expect(render(locale, 'email').text).toContain('Cabinet 2');
  });

  it.each(reminderLocales)('%s defaults pass the schema a centre’s templates pass', (locale) => {
    expect(reminderTemplateSchema.safeParse(defaultReminderTemplates[locale]).success).toBe(true);
  });

  it.each(reminderLocales)('%s SMS for long values is GSM-7 and at most 3 segments', (locale) => {
    // Act
    const sms = renderReminder({ locale, channel: 'sms', values: longValues }).text;

    // Assess
    expect(sms).toContain('Dr Anne-Sophie Vandenberghe');
    expect(smsSegments(sms)).toMatchObject({ encoding: 'GSM-7' });
    expect(smsSegments(sms).segments).toBeLessThanOrEqual(3);
  });

  it.each(['fr-BE', 'fr-FR'] as const)('%s SMS in August stays GSM-7 ("aout"), the e-mail keeps "août"', (locale) => {
    const august = { start: '2026-08-11T12:30:00Z' };
    const sms = render(locale, 'sms', august).text;
    expect(sms).toContain('mardi 11 aout 2026');
    expect(smsSegments(sms).encoding).toBe('GSM-7');
    expect(render(locale, 'email', august).text).toContain('mardi 11 août 2026');
  });
});

describe('date and time', () => {
  it.each([
    ['fr-BE', 'mardi 8 décembre 2026', '14h30'],
    ['fr-FR', 'mardi 8 décembre 2026', '14h30'],
    ['nl-BE', 'dinsdag 8 december 2026', '14:30'],
    ['de-BE', 'Dienstag, 8. Dezember 2026', '14:30'],
    ['en', 'Tuesday 8 December 2026', '14:30'],
  ] as const)('%s writes %s at %s', (locale, date, time) => {
    const custom = { sms: '{date}|{time}' };
    expect(renderReminder({ locale, channel: 'sms', custom, values: values() }).text).toBe(`${date}|${time}`);
  });

  it('French writes the hour without a leading zero (9h05), the others on two digits (09:05)', () => {
    const custom = { sms: '{time}' };
    const morning = values({ start: '2026-12-08T08:05:00Z' });
    expect(renderReminder({ locale: 'fr-FR', channel: 'sms', custom, values: morning }).text).toBe('9h05');
    expect(renderReminder({ locale: 'de-BE', channel: 'sms', custom, values: morning }).text).toBe('09:05');
  });

  it('French writes the first of the month as "1er"', () => {
    const custom = { sms: '{date}' };
    const first = values({ start: '2026-12-01T09:00:00Z' });
    expect(renderReminder({ locale: 'fr-BE', channel: 'sms', custom, values: first }).text).toBe(
      'mardi 1er décembre 2026',
    );
    expect(renderReminder({ locale: 'nl-BE', channel: 'sms', custom, values: first }).text).toBe(
      'dinsdag 1 december 2026',
    );
  });

  const at = (start: string, timeZone = 'Europe/Brussels') =>
    renderReminder({
      locale: 'en',
      channel: 'sms',
      custom: { sms: '{date} {time}' },
      values: values({ start, timeZone }),
    }).text;

  it('reads the instant on the wall clock of the day it falls on, across the spring DST change', () => {
    // 29 March 2026: Brussels goes from UTC+1 to UTC+2 at 02:00.
    expect(at('2026-03-29T08:00:00Z')).toBe('Sunday 29 March 2026 10:00');
    expect(at('2026-03-28T09:00:00Z')).toBe('Saturday 28 March 2026 10:00');
    expect(at('2026-03-29T10:00:00+02:00')).toBe('Sunday 29 March 2026 10:00');
  });

  it('reads UTC instants right across the autumn DST change', () => {
    // 25 October 2026: Brussels goes from UTC+2 back to UTC+1 at 03:00; 02:30 happens twice.
    expect(at('2026-10-25T00:30:00Z')).toBe('Sunday 25 October 2026 02:30');
    expect(at('2026-10-25T01:30:00Z')).toBe('Sunday 25 October 2026 02:30');
    expect(at('2026-10-25T09:00:00Z')).toBe('Sunday 25 October 2026 10:00');
    expect(at('2026-10-24T09:00:00Z')).toBe('Saturday 24 October 2026 11:00');
  });

  it('takes the local date, not the UTC one, and the given zone', () => {
    expect(at('2026-12-08T23:30:00Z')).toBe('Wednesday 9 December 2026 00:30');
    expect(at('2026-12-08T23:30:00Z', 'America/New_York')).toBe('Tuesday 8 December 2026 18:30');
  });

  it('refuses a start without an offset, an unreadable one and an unknown zone', () => {
    expect(() => at('2026-12-08T14:30:00')).toThrow(/offset/);
    expect(() => at('not a dateZ')).toThrow(/reminder start/);
    expect(() => at('2026-12-08T13:30:00Z', 'Mars/Olympus')).toThrow(/Mars\/Olympus/);
  });
});

describe('optional segments', () => {
  it.each([undefined, '', '   '])('drops the location line and parentheses when the location is %j', (location) => {
    // Act
    const email = render('fr-BE', 'email', { location }).text;
    const sms = render('fr-BE', 'sms', { location }).text;

    // Assess
    expect(email).not.toContain('Lieu');
    expect(email).toContain('à 14h30.\n\nPour confirmer votre présence');
    expect(sms).toContain('à 14h30.\nConfirmer');
    expect(sms).not.toContain('(');
  });

  it('keeps the segment, without its brackets, when the location is given', () => {
    expect(render('fr-BE', 'email').text).toContain('à 14h30.\nLieu : Cabinet 2\n\nPour confirmer');
    expect(render('fr-BE', 'sms').text).toContain('à 14h30 (Cabinet 2).\nConfirmer');
    expect(render('de-BE', 'email').text).toContain('Ort: Cabinet 2\n');
  });

  it('drops a custom segment when any of its placeholders is empty, keeps one without placeholders', () => {
    const custom = { sms: '{firstName}[, avec {practitioner} au {location}][ !]' };
    const withLocation = renderReminder({ locale: 'fr-FR', channel: 'sms', custom, values: values() });
    const without = renderReminder({ locale: 'fr-FR', channel: 'sms', custom, values: values({ location: '' }) });
    expect(withLocation.text).toBe('Marie, avec Dr Martin au Cabinet 2 !');
    expect(without.text).toBe('Marie !');
  });
});

describe('custom templates', () => {
  it('override the default field by field', () => {
    // Prepare
    const custom = { emailSubject: 'Votre RDV chez {centre}' };

    // Act
    const email = renderReminder({ locale: 'fr-BE', channel: 'email', custom, values: values() });
    const sms = renderReminder({ locale: 'fr-BE', channel: 'sms', custom, values: values() });

    // Assess
    expect(email.subject).toBe('Votre RDV chez Centre Demo');
    expect(email.text).toBe(render('fr-BE', 'email').text);
    expect(sms.text).toBe(render('fr-BE', 'sms').text);
  });

  it('a custom SMS replaces only the SMS', () => {
    const custom = { sms: 'RDV {date} {time}: {cancelLink}' };
    expect(renderReminder({ locale: 'fr-FR', channel: 'sms', custom, values: values() }).text).toBe(
      'RDV mardi 8 décembre 2026 14h30: https://example.invalid/r/cancel',
    );
    expect(renderReminder({ locale: 'fr-FR', channel: 'email', custom, values: values() })).toEqual(
      render('fr-FR', 'email'),
    );
  });

  it('an invalid template that skipped the schema is a bug, not a silent text', () => {
    expect(() =>
      renderReminder({ locale: 'en', channel: 'sms', custom: { sms: 'Hi {name}' }, values: values() }),
    ).toThrow(/unknown placeholder \{name\}/);
  });
});

describe('template schema', () => {
  const issues = (input: unknown) => {
    const result = reminderTemplateSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
  };

  it('accepts known placeholders and balanced optional segments, trimmed', () => {
    const template = {
      sms: '  {centre}: {firstName}, {date} {time}[ ({location})] {practitioner} {confirmLink} {cancelLink} ',
      emailSubject: 'Rappel {date}',
      emailText: '[Lieu : {location}\n]Bonjour',
    };
    expect(reminderTemplateSchema.parse(template).sms).toBe(template.sms.trim());
  });

  it('refuses an unknown placeholder on the field’s path, listing the known ones', () => {
    const found = issues({ emailText: 'Bonjour {firstName}, {foo}' });
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toEqual(['emailText']);
    expect(found[0]!.message).toBe(
      `unknown placeholder {foo}; known: ${reminderPlaceholders.map((name) => `{${name}}`).join(', ')}`,
    );
  });

  it('reports every unknown placeholder', () => {
    const found = issues({ sms: '{reason} {firstName} {type}' });
    expect(found.map((issue) => issue.message)).toEqual([
      expect.stringMatching(/^unknown placeholder \{reason\}/),
      expect.stringMatching(/^unknown placeholder \{type\}/),
    ]);
    expect(found.every((issue) => issue.path.join('.') === 'sms')).toBe(true);
  });

  it.each([
    ['Bonjour {firstName', /unbalanced braces/],
    ['Bonjour firstName}', /unbalanced braces/],
    ['{first{Name}}', /unbalanced braces/],
    ['Lieu [{location}', /unbalanced brackets/],
    ['Lieu {location}]', /unbalanced brackets/],
    ['[a [{location}] b]', /cannot be nested/],
    ['{}', /unknown placeholder \{\}/],
  ])('refuses %j', (sms, message) => {
    const found = issues({ sms });
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((issue) => issue.path.join('.') === 'sms')).toBe(true);
    expect(found.map((issue) => issue.message).join('\n')).toMatch(message);
  });

  it('refuses blank or overlong fields, a multi-line subject and unknown fields', () => {
    expect(issues({ sms: '   ' })[0]!.path).toEqual(['sms']);
    expect(issues({ sms: 'a'.repeat(641) })[0]!.path).toEqual(['sms']);
    expect(issues({ emailSubject: 'a'.repeat(201) })[0]!.path).toEqual(['emailSubject']);
    expect(issues({ emailText: 'a'.repeat(5001) })[0]!.path).toEqual(['emailText']);
    expect(issues({ emailSubject: 'Rappel\n{date}' })[0]!.path).toEqual(['emailSubject']);
    expect(issues({ whatsapp: 'hello' })).not.toEqual([]);
    expect(issues({ sms: 'a'.repeat(640), emailText: 'a'.repeat(5000) })).toEqual([]);
  });

  it('takes a centre’s templates per known locale, with nested paths', () => {
    expect(reminderTemplatesSchema.parse({ 'nl-BE': { sms: 'Afspraak {date}' } })).toEqual({
      'nl-BE': { sms: 'Afspraak {date}' },
    });
    expect(reminderTemplatesSchema.safeParse({ es: { sms: 'Cita {date}' } }).success).toBe(false);
    const result = reminderTemplatesSchema.safeParse({ 'fr-BE': { sms: 'RDV {motif}' } });
    expect(result.success ? [] : result.error.issues.map((issue) => issue.path)).toEqual([['fr-BE', 'sms']]);
  });
});

describe('values', () => {
  it('are inserted literally, never read as template syntax', () => {
    // Prepare
    const tricky = values({
      firstName: '{centre}',
      practitioner: 'Dr [Martin] $& $1',
      location: '{location}]',
      centre: 'Centre {firstName}',
    });

    // Act
    const sms = renderReminder({ locale: 'en', channel: 'sms', values: tricky }).text;

    // Assess
    expect(sms).toBe(
      'Centre {firstName}: Hello {centre}, this is a reminder of your appointment with Dr [Martin] $& $1 on ' +
        'Tuesday 8 December 2026 at 14:30 ({location}]).\n' +
        'Confirm: https://example.invalid/r/confirm\nCancel: https://example.invalid/r/cancel',
    );
  });

  it('rendering any text values never throws and shows each value verbatim', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('{centre}', '{', '}', '[', ']', '[{date}]', '$&', "$'", '\n', ''),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...reminderLocales),
        fc.constantFrom(...channels),
        fc.record({
          firstName: text,
          practitioner: text,
          location: fc.option(text, { nil: undefined }),
          centre: text,
          confirmLink: text,
          cancelLink: text,
        }),
        (locale, channel, texts) => {
          const rendered = whole(renderReminder({ locale, channel, values: values(texts) }));
          const { location, ...always } = texts;
          for (const value of Object.values(always)) expect(rendered).toContain(value);
          if (location !== undefined && location.trim() !== '') expect(rendered).toContain(location);
        },
      ),
    );
  });
});

describe('smsSegments', () => {
  const gsm = (length: number) => 'a'.repeat(length);

  it.each([
    [0, 0],
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('%i GSM-7 characters make %i segments', (length, segments) => {
    expect(smsSegments(gsm(length))).toEqual({ encoding: 'GSM-7', segments, units: length });
  });

  it('counts an extension character (€ [ ] { } ~ ^ \\ |) as two septets', () => {
    expect(smsSegments('€')).toEqual({ encoding: 'GSM-7', segments: 1, units: 2 });
    expect(smsSegments('€[]{}~^\\|').units).toBe(18);
    expect(smsSegments(gsm(159) + '€')).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(smsSegments(gsm(158) + '€')).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
  });

  it('never splits an escape pair across two parts', () => {
    // 152 + 2 + 152 = 306 septets would fit two parts of 153, but the € cannot straddle them.
    expect(smsSegments(gsm(152) + '€' + gsm(152))).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
    expect(smsSegments(gsm(151) + '€' + gsm(153))).toEqual({ encoding: 'GSM-7', segments: 2, units: 306 });
  });

  it('keeps GSM-7 for the accented letters of the GSM alphabet', () => {
    expect(smsSegments('éèàùìòÇÉÄÖÑÜäöñüß£¥§¿¡ΔΩ@$_\n\r').encoding).toBe('GSM-7');
  });

  it.each(['ë', 'ç', 'ê', '’', '\u00a0', '😀'])('switches to UCS-2 for one %j', (char) => {
    expect(smsSegments(gsm(100) + char).encoding).toBe('UCS-2');
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('%i UCS-2 code units make %i segments', (length, segments) => {
    expect(smsSegments('ë'.repeat(length))).toEqual({ encoding: 'UCS-2', segments, units: length });
  });

  it('counts a character outside the BMP as two code units and never splits it', () => {
    expect(smsSegments('😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 2 });
    expect(smsSegments('ë'.repeat(68) + '😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(smsSegments('ë'.repeat(69) + '😀')).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
    // 66 + 2 + 66 = 134 units would fit two parts of 67, but the emoji cannot straddle them.
    expect(smsSegments('ë'.repeat(66) + '😀' + 'ë'.repeat(66))).toEqual({ encoding: 'UCS-2', segments: 3, units: 134 });
  });
});

describe('previewValues', () => {
  it.each([
    ['a Monday', '2026-12-07T09:00:00Z', '2026-12-08T13:30:00.000Z'],
    ['a Tuesday: the next one, not today', '2026-12-08T09:00:00Z', '2026-12-15T13:30:00.000Z'],
    ['a Monday night in UTC that is Tuesday in Brussels', '2026-12-07T23:30:00Z', '2026-12-15T13:30:00.000Z'],
    ['a Wednesday before the spring change', '2026-03-25T12:00:00Z', '2026-03-31T12:30:00.000Z'],
  ])('from %s, next Tuesday 14:30 in Brussels', (_, now, start) => {
    expect(previewValues('fr-BE', new Date(now))).toMatchObject({ start, timeZone: 'Europe/Brussels' });
  });

  it.each(cases)('renders %s %s with every value', (locale, channel) => {
    // Prepare
    const preview = previewValues(locale, new Date('2026-12-07T09:00:00Z'));

    // Act
    const rendered = whole(renderReminder({ locale, channel, values: preview }));

    // Assess
    expect(preview).toMatchObject({ firstName: 'Marie', practitioner: 'Dr Martin', centre: 'Centre Demo' });
    expect(preview.confirmLink).toMatch(/^https:\/\/example\.invalid\/r\//);
    expect(rendered).not.toMatch(/[{}[\]]/);
    for (const value of [preview.practitioner, preview.centre, preview.confirmLink, preview.cancelLink])
      expect(rendered).toContain(value);
    expect(rendered).toMatch(/14(:|h)30/);
  });
});
