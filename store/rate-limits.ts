import type { Sql } from '../infra/db.js';

const CLEAN_EVERY_MS = 60_000;

export interface WindowCount {
  totalHits: number;
  /** When the window ends (the database's clock). */
  resetTime: Date;
}

/**
 * Fixed-window counters in Postgres (`rate_limit_counters`), shared by every API process: each
 * counted request upserts its key's row for the current window, the window taken from the
 * database's clock so every process agrees on it. Windows that ended are deleted now and then.
 * The shape is hono-rate-limiter's `Store`.
 */
export class PostgresRateLimitStore {
  private windowSeconds = 60;
  private lastClean = 0;

  constructor(
    private readonly sql: Sql,
    /** Keeps the keys of different limiters apart. */
    readonly prefix: string,
  ) {}

  init(options: { windowMs: number }): void {
    this.windowSeconds = Math.max(1, Math.round(options.windowMs / 1000));
  }

  /** Counts one request in the current window; returns the window's count. */
  async increment(key: string): Promise<WindowCount> {
    this.cleanNowAndThen();
    const [row] = await this.sql<{ hits: number; resetTime: Date }[]>`
      insert into rate_limit_counters as r (key, window_start, hits)
      values (${`${this.prefix}:${key}`},
              to_timestamp(floor(extract(epoch from now()) / ${this.windowSeconds}) * ${this.windowSeconds}),
              1)
      on conflict (key, window_start) do update set hits = r.hits + 1
      returning hits, window_start + make_interval(secs => ${this.windowSeconds}) as "resetTime"`;
    if (!row) throw new Error('rate limit upsert returned no row');
    return { totalHits: row.hits, resetTime: row.resetTime };
  }

  async decrement(key: string): Promise<void> {
    await this.sql`
      update rate_limit_counters set hits = greatest(hits - 1, 0)
       where key = ${`${this.prefix}:${key}`}
         and window_start = to_timestamp(floor(extract(epoch from now()) / ${this.windowSeconds}) * ${this.windowSeconds})`;
  }

  async resetKey(key: string): Promise<void> {
    await this.sql`delete from rate_limit_counters where key = ${`${this.prefix}:${key}`}`;
  }

  /** Deletes ended windows, at most once a minute per process, without holding up the request. */
  private cleanNowAndThen(): void {
    if (Date.now() - this.lastClean < CLEAN_EVERY_MS) return;
    this.lastClean = Date.now();
    deleteEndedWindows(this.sql).catch(() => {
      // Best effort: the next pass deletes them.
    });
  }
}

/** Deletes counters of windows that ended (every limiter's window is a minute; 5 leave slack). */
export async function deleteEndedWindows(sql: Sql): Promise<number> {
  const rows = await sql`
    delete from rate_limit_counters where window_start < now() - interval '5 minutes' returning 1`;
  return rows.length;
}
