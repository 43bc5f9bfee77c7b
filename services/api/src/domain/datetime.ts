const WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Reads ISO 8601 with an offset, or the original producer's
 * "YYYY-MM-DD HH:MM:SS" (no zone, read as UTC). Returns a normalised UTC
 * string with microseconds for PostgreSQL, or undefined when the text is not a
 * real instant (bad shape, 31 February, hour 25, year 0).
 */
export function parseDatetime(text: string): string | undefined {
  const m = WITH_ZONE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  // 2000 was a leap year and 2001 was not: borrow the right one to count the month's days.
  const daysInMonth = new Date(Date.UTC(isLeap(year) ? 2000 : 2001, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const oh = Number(zm[2]);
    const om = Number(zm[3]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zm[1] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const base = new Date(0);
  base.setUTCFullYear(year, month - 1, day);
  base.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const utcYear = base.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return undefined;
  const micros = frac.padEnd(6, '0');
  return `${String(utcYear).padStart(4, '0')}-${pad(base.getUTCMonth() + 1)}-${pad(base.getUTCDate())}T${pad(base.getUTCHours())}:${pad(base.getUTCMinutes())}:${pad(base.getUTCSeconds())}.${micros}Z`;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** PostgreSQL gives "…:SS.ffffffZ"; drop three zeros so whole milliseconds read as JavaScript writes them. */
export function formatStoredTimestamp(text: string): string {
  return text.endsWith('000Z') ? `${text.slice(0, -4)}Z` : text;
}
