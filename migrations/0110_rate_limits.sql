-- Rate-limit counters shared by every API process: one row per (key, fixed window), upserted
-- by each counted request and deleted once its window has passed. Unlogged: a counter lost in a
-- crash only lets a client through early, and skipping the WAL keeps the upsert cheap.

create unlogged table rate_limit_counters (
  key text not null,
  window_start timestamptz not null,
  hits integer not null check (hits >= 0),
  primary key (key, window_start)
);
create index rate_limit_counters_window on rate_limit_counters (window_start);
