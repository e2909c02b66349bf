/**
 * Group commit: concurrent callers' units of work are coalesced, so one transaction (one commit,
 * one WAL flush, one round trip) serves many of them. `commit` gets a group and settles every
 * unit on its own: a refused unit fails its caller alone.
 *
 * A group leaves when it is full (`maxUnits`), or `windowMs` after its first unit arrived if
 * fewer than `maxInFlight` groups are running; otherwise it keeps filling until one finishes.
 * So a lone caller waits at most `windowMs`, and under load the groups grow with it instead of
 * queueing for connections.
 */
export interface GroupCommitOptions {
  windowMs?: number;
  maxUnits?: number;
  maxInFlight?: number;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface GroupCommitter<U, T> {
  /** Units submitted together always share a group when they fit in one. */
  submit(units: readonly U[]): Promise<Settled<T>[]>;
}

interface Pending<U, T> {
  unit: U;
  settle: (result: Settled<T>) => void;
}

export function groupCommitter<U, T>(
  commit: (units: U[]) => Promise<Settled<T>[]>,
  { windowMs = 2, maxUnits = 12, maxInFlight = 6 }: GroupCommitOptions = {},
): GroupCommitter<U, T> {
  let queue: Pending<U, T>[] = [];
  let timer: NodeJS.Timeout | undefined;
  let windowOver = false;
  let inFlight = 0;

  const flushIfDue = () => {
    while (queue.length >= maxUnits || (windowOver && queue.length > 0 && inFlight < maxInFlight)) {
      const group = queue.slice(0, maxUnits);
      queue = queue.slice(group.length);
      if (queue.length === 0) windowOver = false;
      run(group);
    }
    if (queue.length > 0 && !windowOver && timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        windowOver = queue.length > 0;
        flushIfDue();
      }, windowMs);
    }
  };

  const run = (group: Pending<U, T>[]) => {
    inFlight++;
    commit(group.map((p) => p.unit))
      .then(
        (results) => {
          for (const [i, p] of group.entries()) p.settle(results[i] ?? missing);
        },
        (error: unknown) => {
          for (const p of group) p.settle({ ok: false, error });
        },
      )
      .finally(() => {
        inFlight--;
        flushIfDue();
      });
  };

  return {
    submit(units) {
      if (queue.length + units.length > maxUnits && units.length <= maxUnits && queue.length > 0) {
        run(queue);
        queue = [];
        windowOver = false;
      }
      const settled = units.map(
        (unit) =>
          new Promise<Settled<T>>((settle) => {
            queue.push({ unit, settle });
          }),
      );
      flushIfDue();
      return Promise.all(settled);
    },
  };
}

const missing: Settled<never> = {
  ok: false,
  error: new Error('group commit: no result for this unit'),
};
