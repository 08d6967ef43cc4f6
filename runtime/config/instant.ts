/**
 * Instants as users and schedulers write them: an ISO-8601 date-time with an explicit zone (or, where allowed, a date
 * alone), every field checked against the calendar first, since JavaScript's Date rolls `2026-02-30` over to March 2
 * and `T24:00` to the next day instead of refusing them (and so would plan with the wrong window).
 */

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysInMonth = (year: number, month: number) => [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];

/** The instant `text` names; "malformed" when it is not such a text, "impossible" when it names no real time. */
export function parseInstant(text: string, opts: { dateOnly: boolean }): Date | "malformed" | "impossible" {
  const fields = ISO_8601.exec(text);
  if (!fields || (!opts.dateOnly && fields[4] === undefined)) return "malformed";
  // Absent fields (the time of a date alone, seconds, the offset) are 0.
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = fields.slice(1).map((field) => Number(field ?? 0));
  const exists = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  if (!exists || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return "impossible";
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? "impossible" : at;
}
