/** An amount in minor units with its currency, digits grouped: `1,500,000 VND`. */
export const money = (amount: number | bigint, currency: string): string =>
  `${amount.toLocaleString('en-US')} ${currency}`;

/** How long ago, roughly: `3d 4h`, `2h 5m`, `45s`. */
export function age(since: Date | string | undefined, now = Date.now()): string {
  if (since === undefined) return '—';
  const ms = Math.max(0, now - new Date(since).getTime());
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

export const when = (at: Date | string | undefined): string =>
  at === undefined
    ? '—'
    : new Date(at)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
