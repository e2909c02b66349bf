/** VNPay timestamps: yyyyMMddHHmmss in GMT+7 (Vietnam has no daylight saving time). */

const offsetMs = 7 * 60 * 60 * 1000;
const pattern = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

export function formatVnpDate(date: Date): string {
  const local = new Date(date.getTime() + offsetMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    String(local.getUTCFullYear()).padStart(4, '0') +
    pad(local.getUTCMonth() + 1) +
    pad(local.getUTCDate()) +
    pad(local.getUTCHours()) +
    pad(local.getUTCMinutes()) +
    pad(local.getUTCSeconds())
  );
}

/** The instant, or undefined when the text is not a real yyyyMMddHHmmss date. */
export function parseVnpDate(text: string): Date | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 Feb over into March: round-tripping catches impossible dates.
  const date = new Date(utc - offsetMs);
  return formatVnpDate(date) === text ? date : undefined;
}
