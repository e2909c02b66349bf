/**
 * Delays before each retry after a failed attempt: the first attempt is immediate, then one
 * retry per entry; after the last the delivery is given up. About 80 hours in all.
 */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,14h,20h,24h';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `"5s,5m,2h"` → `[5000, 300000, 7200000]`; units ms, s, m, h, d. Throws on anything else. */
export function parseRetrySchedule(text: string): number[] {
  const delays = text.split(',').map((part) => {
    const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(part);
    if (!match) throw new Error(`"${part.trim()}" is not a duration like 500ms, 5s, 5m, 2h or 1d`);
    return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  });
  if (delays.length === 0) throw new Error('at least one retry delay is needed');
  return delays;
}

/** The delay before the next attempt, or `undefined` once the schedule is used up. */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
): number | undefined {
  return schedule[attemptsMade - 1];
}

export const totalRetryWindowMs = (schedule: readonly number[]): number =>
  schedule.reduce((sum, delay) => sum + delay, 0);
