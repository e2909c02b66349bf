-- A scratch table the harness smoke test writes through a real activity.
create table harness_pings (
  id text primary key,
  message text not null,
  created_at timestamptz not null default now()
);
