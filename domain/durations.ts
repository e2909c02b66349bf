// ISO 8601 durations for timer windows: weeks, days, hours, minutes and seconds (with up to
// three decimals). Years and months are refused: their length depends on the calendar, and a
// timer needs an exact number of milliseconds. Pure functions, no I/O.

export type DurationParse = { ok: true; ms: number } | { ok: false; reason: string };

/** The syntax accepted (also published in the API's OpenAPI document): at least one part. */
export const ISO_DURATION_PATTERN =
  /^P(?=\d|T\d)(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,9})(?:[.,](\d{1,3}))?S)?)?$/;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** `P3D` → 259200000, `PT30M` → 1800000, `P1DT12H` → 129600000. */
export function parseIsoDuration(text: string): DurationParse {
  const datePart = text.split('T')[0] ?? '';
  if (text.startsWith('P') && (/\dY/.test(datePart) || /\dM/.test(datePart))) {
    return {
      ok: false,
      reason: `${text}: years and months have no fixed length; use weeks, days, hours, minutes or seconds`,
    };
  }
  const match = ISO_DURATION_PATTERN.exec(text);
  if (!match) {
    return { ok: false, reason: `${text}: not an ISO 8601 duration such as P3D, PT30M or P1DT12H` };
  }
  const [, weeks, days, hours, minutes, seconds, fraction] = match;
  const n = (value: string | undefined) => (value === undefined ? 0 : Number(value));
  const ms =
    n(weeks) * WEEK +
    n(days) * DAY +
    n(hours) * HOUR +
    n(minutes) * MINUTE +
    n(seconds) * SECOND +
    (fraction === undefined ? 0 : Number(fraction.padEnd(3, '0')));
  if (!Number.isSafeInteger(ms)) return { ok: false, reason: `${text}: too long` };
  return { ok: true, ms };
}

/** The shortest ISO 8601 form of a whole number of milliseconds: 129600000 → `P1DT12H`. */
export function formatIsoDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  if (ms === 0) return 'PT0S';
  let rest = ms;
  const take = (unit: number) => {
    const count = Math.floor(rest / unit);
    rest -= count * unit;
    return count;
  };
  const days = take(DAY);
  const hours = take(HOUR);
  const minutes = take(MINUTE);
  const seconds = take(SECOND);
  const millis = rest;
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds || millis) {
    time += millis
      ? `${seconds}.${String(millis).padStart(3, '0').replace(/0+$/, '')}S`
      : `${seconds}S`;
  }
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** `PT5S,PT5M,PT2H` → [5000, 300000, 7200000]: a comma-separated list of ISO 8601 durations. */
export function parseIsoDurationList(text: string): number[] | { reason: string } {
  const delays: number[] = [];
  for (const part of text.split(',')) {
    const parsed = parseIsoDuration(part.trim());
    if (!parsed.ok) return { reason: parsed.reason };
    delays.push(parsed.ms);
  }
  return delays;
}
