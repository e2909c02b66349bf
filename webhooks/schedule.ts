/**
 * Delays before each retry after a failed attempt: the first attempt is immediate, then one
 * retry per entry; after the last the delivery is given up. About 80 hours in all.
 */
export const DEFAULT_RETRY_SCHEDULE = [
  5_000, // PT5S
  300_000, // PT5M
  1_800_000, // PT30M
  7_200_000, // PT2H
  18_000_000, // PT5H
  36_000_000, // PT10H
  50_400_000, // PT14H
  72_000_000, // PT20H
  86_400_000, // PT24H
] as const;

/** The delay before the next attempt, or `undefined` once the schedule is used up. */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
): number | undefined {
  return schedule[attemptsMade - 1];
}

export const totalRetryWindowMs = (schedule: readonly number[]): number =>
  schedule.reduce((sum, delay) => sum + delay, 0);
