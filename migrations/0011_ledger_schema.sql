-- Double-entry ledger: accounts with a cached balance, append-only journal entries and their
-- postings. The rules that keep it right live in 0012 (triggers) and 0013 (posting functions).

-- Accounts that may go negative (money owed to or by the PSP, fee income) are "hot": nearly
-- every entry touches them. Each is split into this many shard rows so that entries do not all
-- queue behind one row lock; the logical balance is the sum over its shards.
create function ledger_hot_shards() returns smallint
language sql immutable parallel safe
return 16;

create function ledger_is_hot(kind text) returns boolean
language sql immutable parallel safe
return kind in ('psp_clearing', 'platform_fee_revenue');

-- Length-prefixed so that no two different owner tuples encode to the same key.
create function ledger_key_part(value text) returns text
language sql immutable parallel safe
return case when value is null then '~' else length(value)::text || ':' || value end;

-- One text key per logical account. An escrow's holding account is found by escrow id and
-- currency alone: the platform stamped on it at creation is an access check, not part of its name.
create function ledger_ref_key(
  kind text, currency text, platform_id text, escrow_id text, seller_id text, provider text
) returns text
language sql immutable parallel safe
return kind || '|' || currency || '|' || case
  when kind = 'escrow_holding' then ledger_key_part(escrow_id)
  else ledger_key_part(platform_id) || ledger_key_part(escrow_id)
    || ledger_key_part(seller_id) || ledger_key_part(provider)
end;

create table ledger_accounts (
  id bigint generated always as identity primary key,
  kind text not null,
  currency text not null references currencies (code),
  platform_id text,
  escrow_id text,
  seller_id text,
  provider text,
  shard smallint not null default 0,
  -- Both derived from the columns above by the insert trigger (0012), and immutable like them.
  -- Not generated columns: those are recomputed on every balance update, which is the hot path.
  ref_key text not null,
  may_go_negative boolean not null,
  -- Sum of the account's postings, kept in step by the posting trigger (0012).
  balance bigint not null default 0,
  -- Open two-phase reservations: outgoing ones count against the available balance.
  pending_out bigint not null default 0,
  pending_in bigint not null default 0,
  -- Number of postings; each posting records the version it produced, so history has no gaps.
  version bigint not null default 0,
  created_at timestamptz not null default now(),
  -- Kind, owner columns and shard are validated by the insert trigger (0012) and never change:
  -- a CHECK is re-prepared for every statement that writes the table, and balance updates are
  -- the hot path. Only the money rules stay here.
  constraint ledger_accounts_pending check (pending_out >= 0 and pending_in >= 0),
  constraint ledger_accounts_no_overdraft check (may_go_negative or balance - pending_out >= 0),
  constraint ledger_accounts_ref unique (ref_key, shard)
) with (fillfactor = 50);  -- room on each page for the new row version of every balance update

-- An escrow is held in one currency only.
create unique index ledger_accounts_one_holding on ledger_accounts (escrow_id)
  where kind = 'escrow_holding';

-- No CHECK constraints on entries and legs: Postgres prepares every CHECK afresh for each INSERT
-- statement, and these tables take several per entry. The triggers of 0012 enforce the same
-- rules with plans prepared once per session: an entry's kind, phase and resolution at commit,
-- each leg's amount, account and entry when it is inserted.
create table ledger_entries (
  id bigint generated always as identity primary key,
  platform_id text not null,
  idempotency_key text not null,
  request_hash bytea not null,
  -- funding, release, refund, refund_payout, payout, reversal or adjustment.
  kind text not null,
  -- final: moves money now. pending: reserves it (legs in ledger_pending_legs, no postings).
  -- post / void: the one resolution of a pending entry (post has postings, void has none).
  phase text not null,
  escrow_id text,
  pending_entry_id bigint references ledger_entries (id),
  reverses_entry_id bigint references ledger_entries (id),
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now(),
  -- The creating transaction (checked by trigger): legs may only join an entry inside it.
  created_xid xid8 not null default pg_current_xact_id(),
  constraint ledger_entries_idempotency unique (platform_id, idempotency_key)
);

-- A pending entry is resolved (posted or voided) at most once; an entry is reversed at most once.
create unique index ledger_entries_one_resolution on ledger_entries (pending_entry_id)
  where pending_entry_id is not null;
create unique index ledger_entries_one_reversal on ledger_entries (reverses_entry_id)
  where reverses_entry_id is not null;
create index ledger_entries_escrow on ledger_entries (escrow_id) where escrow_id is not null;

-- Legs (postings and pending legs) have no declared foreign keys: the statement trigger that
-- applies them (0012) checks, in one query per INSERT instead of two lookups per row, that each
-- leg's account exists and its entry was created by the inserting transaction. Neither entries
-- nor accounts can ever be deleted.
create table ledger_postings (
  entry_id bigint not null,
  leg smallint not null,
  account_id bigint not null,
  currency text not null,
  -- Signed, never zero, in the currency's minor unit: an account's balance is the sum of its
  -- postings.
  amount bigint not null,
  -- The version and balance the account reaches with this posting (checked by trigger).
  account_version bigint not null,
  balance_after bigint not null,
  primary key (entry_id, leg),
  constraint ledger_postings_account_version unique (account_id, account_version)
);

create table ledger_pending_legs (
  entry_id bigint not null,
  leg smallint not null,
  account_id bigint not null,
  currency text not null,
  amount bigint not null,
  primary key (entry_id, leg)
);
create index ledger_pending_legs_account on ledger_pending_legs (account_id);
