-- The case record: every escrow event is chained (hash = SHA-256 over the canonical JSON of the
-- event and the hash before it; infra/case-chain.ts), and disputes carry messages and files.
--
-- Rows written before this migration have no hash yet. Canonical JSON is TypeScript's
-- (infra/canonical-json.ts) and jsonb's text form differs from it, so the chain of old rows is
-- not computed here but by `npm run case:backfill` (the same module the store uses), and by the
-- store itself when it appends to an escrow whose earlier rows are unchained. The append-only
-- trigger lets exactly that through: filling in a missing hash, nothing else.
alter table escrow_events add column prev_hash text, add column hash text;
alter table escrow_events add constraint escrow_events_chain_hex check (
  (prev_hash is null or prev_hash ~ '^[0-9a-f]{64}$') and (hash is null or hash ~ '^[0-9a-f]{64}$')
  and (hash is null) = (prev_hash is null));

create or replace function escrow_events_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.hash is null and new.hash is not null
     and new.escrow_id = old.escrow_id and new.seq = old.seq and new.type = old.type
     and new.status = old.status and new.data = old.data and new.occurred_at = old.occurred_at
     and new.recorded_at = old.recorded_at then
    return new;
  end if;
  raise exception 'escrow_events is append-only (% refused)', tg_op using errcode = '55000';
end $$;

-- One message of a dispute, by the buyer, the seller, the platform or ops. seq is the
-- dispute_message event that put it in the chain; null while that is not written yet (such a
-- message is not listed, and is deleted when the workflow refuses it).
create table dispute_messages (
  id text primary key,
  escrow_id text not null references escrows (id),
  seq integer,
  author_role text not null check (author_role in ('platform', 'ops', 'buyer', 'seller')),
  actor_id text not null,
  body text not null,
  created_at timestamptz not null default now(),
  unique (escrow_id, seq)
);
create index dispute_messages_escrow on dispute_messages (escrow_id, created_at);

-- A message's files, bytes included; content_type is sniffed from the bytes, never taken from
-- the name or the part's header. sha256 is what the event (and so the chain) records.
create table dispute_files (
  id text primary key,
  escrow_id text not null references escrows (id),
  message_id text not null references dispute_messages (id) on delete cascade,
  position smallint not null,
  name text not null,
  content_type text not null check (content_type in (
    'image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
  size integer not null check (size > 0 and size <= 5242880),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null check (octet_length(content) = size),
  created_at timestamptz not null default now(),
  unique (message_id, position)
);
create index dispute_files_escrow on dispute_files (escrow_id);
