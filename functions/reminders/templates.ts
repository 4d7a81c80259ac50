import { DateTime } from 'luxon';
import * as z from 'zod';
import type { localeSchema } from '#shared/schemas';

/**
 * Appointment reminder texts (SMS and e-mail), per locale, with placeholders.
 *
 * Template syntax:
 * - `{name}` is replaced by a value, `name` being one of `reminderPlaceholders`; any other `{…}`, and
 *   any unbalanced brace, is refused by `reminderTemplateSchema`;
 * - `[…]` is an optional segment: it is removed whole when any placeholder inside it is empty (or
 *   blank), and kept without its brackets otherwise. It lets a text mention the location only when
 *   there is one, without a dangling "Lieu : " or "()" (`[Lieu : {location}\n]`). Segments do not nest,
 *   and brackets must balance. There is no escape: braces and brackets are syntax in templates (values
 *   may contain anything).
 *
 * Values are inserted in one pass, literally: a first name or a centre name containing `{centre}`,
 * `[` or `$&` comes out as written, never re-read as a template.
 *
 * Privacy: the texts carry nothing clinical — no appointment type, no reason — because an SMS or an
 * e-mail is read on lock screens and shared devices. Only the centre, the practitioner, the date,
 * time and location, and the confirm/cancel links; the values have no field for anything else.
 */

export const reminderLocales = ['fr-BE', 'nl-BE', 'de-BE', 'fr-FR', 'en'] as const satisfies readonly z.infer<
  typeof localeSchema
>[];
export type ReminderLocale = (typeof reminderLocales)[number];

export const reminderPlaceholders = [
  'firstName',
  'date',
  'time',
  'practitioner',
  'location',
  'centre',
  'confirmLink',
  'cancelLink',
] as const;
export type ReminderPlaceholder = (typeof reminderPlaceholders)[number];

export type ReminderChannel = 'sms' | 'email';

// ---------------------------------------------------------------------------------------------------
// Parsing: one parser for the schema (problems) and the renderer (nodes), so what is accepted is
// exactly what renders.

type Leaf = { kind: 'text'; text: string } | { kind: 'placeholder'; name: ReminderPlaceholder };
type Node = Leaf | { kind: 'optional'; leaves: Leaf[] };

const knownList = reminderPlaceholders.map((name) => `{${name}}`).join(', ');
const isPlaceholder = (name: string): name is ReminderPlaceholder =>
  (reminderPlaceholders as readonly string[]).includes(name);

/** A whole `{…}` (no brace or bracket inside), a lone brace or bracket, or a run of plain text. */
const TOKEN = /\{([^{}[\]]*)\}|[{}[\]]|[^{}[\]]+/g;

function parseTemplate(source: string): { nodes: Node[]; problems: string[] } {
  const nodes: Node[] = [];
  const problems = new Set<string>();
  let segment: Leaf[] | undefined;
  const push = (leaf: Leaf) => (segment ?? nodes).push(leaf);

  for (const [token, name] of source.matchAll(TOKEN)) {
    if (name !== undefined) {
      if (isPlaceholder(name)) push({ kind: 'placeholder', name });
      else problems.add(`unknown placeholder ${token}; known: ${knownList}`);
    } else if (token === '{') problems.add("unbalanced braces: '{' without a closing '}'");
    else if (token === '}') problems.add("unbalanced braces: '}' without an opening '{'");
    else if (token === '[') {
      if (segment) problems.add('optional segments […] cannot be nested');
      else segment = [];
    } else if (token === ']') {
      if (segment) nodes.push({ kind: 'optional', leaves: segment });
      else problems.add("unbalanced brackets: ']' without an opening '['");
      segment = undefined;
    } else push({ kind: 'text', text: token });
  }
  if (segment) problems.add("unbalanced brackets: '[' without a closing ']'");
  return { nodes, problems: [...problems] };
}

type Filled = Record<ReminderPlaceholder, string>;

const leafText = (leaf: Leaf, values: Filled) => (leaf.kind === 'text' ? leaf.text : values[leaf.name]);

function fill(template: string, values: Filled): string {
  const { nodes, problems } = parseTemplate(template);
  // Custom templates are checked by the schema when saved: one failing here is a bug, not input.
  if (problems.length > 0) throw new Error(`invalid reminder template: ${problems.join('; ')}`);
  return nodes
    .map((node) => {
      if (node.kind !== 'optional') return leafText(node, values);
      const empty = node.leaves.some((leaf) => leaf.kind === 'placeholder' && values[leaf.name].trim() === '');
      return empty ? '' : node.leaves.map((leaf) => leafText(leaf, values)).join('');
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------------
// Schemas: a centre's own templates, per locale and field; a field left out falls back to the default.

const templateText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .superRefine((text, ctx) => {
      for (const message of parseTemplate(text).problems) ctx.addIssue({ code: 'custom', message });
    });

export const reminderTemplateSchema = z.strictObject({
  /** Bounds the template only: what an SMS costs is counted on the rendered text (`smsSegments`). */
  sms: templateText(640).optional(),
  emailSubject: templateText(200)
    .refine((text) => !/[\r\n]/.test(text), 'a subject is one line')
    .optional(),
  emailText: templateText(5000).optional(),
});
export type ReminderTemplate = z.infer<typeof reminderTemplateSchema>;

export const reminderTemplatesSchema = z.partialRecord(z.enum(reminderLocales), reminderTemplateSchema);
export type ReminderTemplates = z.infer<typeof reminderTemplatesSchema>;

// ---------------------------------------------------------------------------------------------------
// Default texts. SMS texts keep to the GSM-7 alphabet (no ’, ê, ç, non-breaking space): a single
// character outside it makes the whole message UCS-2, 70 characters a segment instead of 160.

const lines = (...text: string[]) => text.join('\n');

export const defaultReminderTemplates: Readonly<Record<ReminderLocale, Readonly<Required<ReminderTemplate>>>> = {
  'fr-BE': {
    sms: '{centre} : Bonjour {firstName}, nous vous rappelons votre rendez-vous avec {practitioner} le {date} à {time}[ ({location})].\nConfirmer : {confirmLink}\nAnnuler : {cancelLink}',
    emailSubject: 'Rappel de votre rendez-vous du {date} à {time}',
    emailText: lines(
      'Bonjour {firstName},',
      '',
      'Nous vous rappelons votre rendez-vous avec {practitioner} le {date} à {time}.',
      '[Lieu : {location}',
      ']',
      'Pour confirmer votre présence : {confirmLink}',
      'Pour annuler le rendez-vous : {cancelLink}',
      '',
      'En cas d’empêchement, merci d’annuler au plus vite afin que le créneau puisse être proposé à une autre personne.',
      '',
      'Bien à vous,',
      '{centre}',
    ),
  },
  'fr-FR': {
    sms: '{centre} : Bonjour {firstName}, rappel de votre RDV avec {practitioner} le {date} à {time}[ ({location})].\nConfirmer : {confirmLink}\nAnnuler : {cancelLink}',
    emailSubject: 'Rappel de votre rendez-vous du {date} à {time}',
    emailText: lines(
      'Bonjour {firstName},',
      '',
      'Nous vous rappelons votre rendez-vous avec {practitioner} le {date} à {time}.',
      '[Lieu : {location}',
      ']',
      'Pour confirmer votre présence : {confirmLink}',
      'Pour annuler le rendez-vous : {cancelLink}',
      '',
      'En cas d’empêchement, merci d’annuler au plus vite afin que le créneau puisse être proposé à une autre personne.',
      '',
      'Bien cordialement,',
      '{centre}',
    ),
  },
  'nl-BE': {
    sms: '{centre}: Beste {firstName}, we herinneren u aan uw afspraak bij {practitioner} op {date} om {time} uur[ ({location})].\nBevestigen: {confirmLink}\nAnnuleren: {cancelLink}',
    emailSubject: 'Herinnering: uw afspraak op {date} om {time} uur',
    emailText: lines(
      'Beste {firstName},',
      '',
      'Graag herinneren we u aan uw afspraak bij {practitioner} op {date} om {time} uur.',
      '[Locatie: {location}',
      ']',
      'Afspraak bevestigen: {confirmLink}',
      'Afspraak annuleren: {cancelLink}',
      '',
      'Kunt u niet komen? Annuleer dan zo snel mogelijk, zodat we het tijdstip aan iemand anders kunnen geven.',
      '',
      'Met vriendelijke groeten,',
      '{centre}',
    ),
  },
  'de-BE': {
    sms: '{centre}: Guten Tag {firstName}, wir erinnern Sie an Ihren Termin bei {practitioner} am {date} um {time} Uhr[ ({location})].\nBestätigen: {confirmLink}\nAbsagen: {cancelLink}',
    emailSubject: 'Terminerinnerung: {date} um {time} Uhr',
    emailText: lines(
      'Guten Tag {firstName},',
      '',
      'wir erinnern Sie an Ihren Termin bei {practitioner} am {date} um {time} Uhr.',
      '[Ort: {location}',
      ']',
      'Termin bestätigen: {confirmLink}',
      'Termin absagen: {cancelLink}',
      '',
      'Falls Sie verhindert sind, sagen Sie den Termin bitte so früh wie möglich ab, damit wir ihn anderweitig vergeben können.',
      '',
      'Mit freundlichen Grüßen',
      '{centre}',
    ),
  },
  en: {
    sms: '{centre}: Hello {firstName}, this is a reminder of your appointment with {practitioner} on {date} at {time}[ ({location})].\nConfirm: {confirmLink}\nCancel: {cancelLink}',
    emailSubject: 'Reminder: your appointment on {date} at {time}',
    emailText: lines(
      'Hello {firstName},',
      '',
      'This is a reminder of your appointment with {practitioner} on {date} at {time}.',
      '[Location: {location}',
      ']',
      'Confirm your appointment: {confirmLink}',
      'Cancel your appointment: {cancelLink}',
      '',
      'If you cannot attend, please cancel as soon as possible so that we can offer the time to someone else.',
      '',
      'Kind regards,',
      '{centre}',
    ),
  },
};

// ---------------------------------------------------------------------------------------------------
// Dates and times, on the wall clock of the centre's zone (luxon: right across DST changes).

/** Luxon patterns rather than Intl's "long" styles, whose wording changes between ICU versions. */
const calendars: Record<ReminderLocale, { intl: string; date: (t: DateTime) => string; time: string }> = {
  // French writes the first of the month as an ordinal: "mardi 1er décembre".
  'fr-BE': { intl: 'fr-BE', date: (t) => (t.day === 1 ? "EEEE d'er' MMMM yyyy" : 'EEEE d MMMM yyyy'), time: "H'h'mm" },
  'fr-FR': { intl: 'fr-FR', date: (t) => (t.day === 1 ? "EEEE d'er' MMMM yyyy" : 'EEEE d MMMM yyyy'), time: "H'h'mm" },
  'nl-BE': { intl: 'nl-BE', date: () => 'EEEE d MMMM yyyy', time: 'HH:mm' },
  'de-BE': { intl: 'de-BE', date: () => 'EEEE, d. MMMM yyyy', time: 'HH:mm' },
  en: { intl: 'en-GB', date: () => 'EEEE d MMMM yyyy', time: 'HH:mm' },
};

const HAS_OFFSET = /(Z|[+-]\d\d:?\d\d)$/i;

/**
 * The appointment on the centre's wall clock. An instant without an offset is refused rather than
 * guessed: read in the wrong zone, it would send a reminder for the wrong hour.
 */
function localStart(start: string, timeZone: string): DateTime {
  if (!HAS_OFFSET.test(start)) throw new Error(`reminder start ${start} is not an ISO instant with an offset`);
  const local = DateTime.fromISO(start, { setZone: true }).setZone(timeZone);
  if (!local.isValid) throw new Error(`reminder start ${start} in ${timeZone}: ${local.invalidReason}`);
  return local;
}

/**
 * French "août" is the month's one character outside GSM-7; the 1990 spelling reform's "aout" keeps
 * August's SMS at GSM-7 prices instead of doubling their segments.
 */
const gsmSpelling = (text: string, locale: ReminderLocale) =>
  locale === 'fr-BE' || locale === 'fr-FR' ? text.replace('août', 'aout') : text;

// ---------------------------------------------------------------------------------------------------
// Rendering.

export interface ReminderValues {
  firstName: string;
  /** ISO instant, with its offset (stored instants are UTC: `…Z`). */
  start: string;
  /** IANA zone of the centre, e.g. Europe/Brussels. */
  timeZone: string;
  practitioner: string;
  location?: string | undefined;
  centre: string;
  confirmLink: string;
  cancelLink: string;
}

export interface RenderedReminder {
  text: string;
  subject?: string;
}

/**
 * The reminder a patient receives: the centre's template for the locale where it has one, field by
 * field, the default otherwise. Throws on a start that is not an instant or an unknown zone (both come
 * from stored data, never from the patient).
 */
export function renderReminder(input: {
  locale: ReminderLocale;
  channel: ReminderChannel;
  custom?: ReminderTemplate | undefined;
  values: ReminderValues;
}): RenderedReminder {
  const { locale, channel, custom, values } = input;
  const calendar = calendars[locale];
  const local = localStart(values.start, values.timeZone).setLocale(calendar.intl);
  const date = local.toFormat(calendar.date(local));
  const filled: Filled = {
    firstName: values.firstName,
    date: channel === 'sms' ? gsmSpelling(date, locale) : date,
    time: local.toFormat(calendar.time),
    practitioner: values.practitioner,
    location: values.location ?? '',
    centre: values.centre,
    confirmLink: values.confirmLink,
    cancelLink: values.cancelLink,
  };
  const defaults = defaultReminderTemplates[locale];
  if (channel === 'sms') return { text: fill(custom?.sms ?? defaults.sms, filled) };
  return {
    subject: fill(custom?.emailSubject ?? defaults.emailSubject, filled),
    text: fill(custom?.emailText ?? defaults.emailText, filled),
  };
}

// ---------------------------------------------------------------------------------------------------
// SMS segments (what an SMS costs).

/** GSM 03.38 basic character set (one septet each; ESC left out). */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** GSM 03.38 extension table: ESC + the character, two septets. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Messages billed; 0 for an empty text. */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
}

/**
 * Segments of an SMS: GSM-7 when every character is in the GSM alphabet (160 septets alone, 153 per
 * part of a concatenated message), UCS-2 otherwise (70 code units, 67 per part). Parts are filled as
 * phones split them: an escape pair or a surrogate pair never straddles two parts, so a part may hold
 * one unit less than its size.
 */
export function smsSegments(text: string): SmsSegments {
  const chars = [...text];
  const gsm = chars.every((char) => GSM_BASIC.has(char) || GSM_EXTENSION.has(char));
  const widths = gsm ? chars.map((char) => (GSM_EXTENSION.has(char) ? 2 : 1)) : chars.map((char) => char.length);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  const units = widths.reduce((sum, width) => sum + width, 0);
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments: partsOf(widths, units, single, part) };
}

function partsOf(widths: number[], units: number, single: number, part: number): number {
  if (units === 0) return 0;
  if (units <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > part) {
      parts += 1;
      used = 0;
    }
    used += width;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------------
// Preview.

const PREVIEW_ZONE = 'Europe/Brussels';

/**
 * Example values for previewing a template: next Tuesday (never today) at 14:30 in Brussels, from
 * `now`, and links of a realistic length, so a preview shows the real number of SMS segments.
 */
export function previewValues(locale: ReminderLocale, now: Date): ReminderValues {
  const today = DateTime.fromJSDate(now, { zone: PREVIEW_ZONE }).startOf('day');
  const tuesday = today.plus({ days: (2 - today.weekday + 7) % 7 || 7 }).set({ hour: 14, minute: 30 });
  return {
    firstName: 'Marie',
    start: tuesday.toUTC().toISO()!,
    timeZone: PREVIEW_ZONE,
    practitioner: 'Dr Martin',
    location: 'Cabinet 2',
    centre: 'Centre Demo',
    confirmLink: `https://example.invalid/r/c7Hq2mX9pLw4?lang=${locale}`,
    cancelLink: `https://example.invalid/r/x3Tn8vK5rQz1?lang=${locale}`,
  };
}
