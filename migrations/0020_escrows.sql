-- The escrow read model (one current-state row per escrow, for listings), its append-only
-- event log, and the webhook outbox. The workflow is their only writer, through the
-- recordTransition activity, which writes all three (and the ledger entry) in one transaction.

create table escrows (
  id text primary key,
  platform_id text not null,
  reference text not null,
  buyer_id text not null,
  seller_id text not null,
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  status text not null check (status in (
    'awaiting_payment', 'funded', 'shipped', 'delivered', 'disputed',
    'released', 'refunded', 'split', 'cancelled', 'expired')),
  needs_attention boolean not null default false,
  last_seq integer not null,
  view jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index escrows_platform_recent on escrows (platform_id, created_at desc, id desc);
create index escrows_platform_status on escrows (platform_id, status, created_at desc, id desc);
create index escrows_platform_buyer on escrows (platform_id, buyer_id, created_at desc, id desc);
create index escrows_platform_seller on escrows (platform_id, seller_id, created_at desc, id desc);
create index escrows_platform_reference on escrows (platform_id, reference);

create table escrow_events (
  escrow_id text not null references escrows (id),
  seq integer not null check (seq > 0),
  type text not null,
  status text not null,
  data jsonb not null,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  primary key (escrow_id, seq)
);

create function escrow_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'escrow_events is append-only (% refused)', tg_op using errcode = '55000';
end $$;
create trigger escrow_events_append_only before update or delete on escrow_events
  for each row execute function escrow_events_append_only();

-- One row per event to announce; deliveries to each endpoint are tracked separately.
create table webhook_outbox (
  id bigint generated always as identity primary key,
  platform_id text not null,
  escrow_id text not null,
  seq integer not null,
  event_type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  unique (escrow_id, seq)
);
