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

create table ledger_entries (
  id bigint generated always as identity primary key,
  platform_id text not null check (platform_id <> ''),
  idempotency_key text not null check (length(idempotency_key) between 1 and 255),
  request_hash bytea not null check (length(request_hash) = 32),
  kind text not null check (
    kind in ('funding', 'release', 'refund', 'refund_payout', 'payout', 'reversal', 'adjustment')
  ),
  -- final: moves money now. pending: reserves it (legs in ledger_pending_legs, no postings).
  -- post / void: the one resolution of a pending entry (post has postings, void has none).
  phase text not null check (phase in ('final', 'pending', 'post', 'void')),
  escrow_id text check (escrow_id <> ''),
  pending_entry_id bigint references ledger_entries (id),
  reverses_entry_id bigint references ledger_entries (id),
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  -- Forced by trigger to the creating transaction; legs must carry the same (see their keys).
  created_xid xid8 not null default pg_current_xact_id(),
  constraint ledger_entries_resolution check ((phase in ('post', 'void')) = (pending_entry_id is not null)),
  constraint ledger_entries_reversal check (
    reverses_entry_id is null or (kind = 'reversal' and phase = 'final')
  ),
  constraint ledger_entries_idempotency unique (platform_id, idempotency_key),
  -- Target of the legs' (entry_id, entry_xid) foreign keys.
  constraint ledger_entries_xid unique (id, created_xid)
);

-- A pending entry is resolved (posted or voided) at most once; an entry is reversed at most once.
create unique index ledger_entries_one_resolution on ledger_entries (pending_entry_id)
  where pending_entry_id is not null;
create unique index ledger_entries_one_reversal on ledger_entries (reverses_entry_id)
  where reverses_entry_id is not null;
create index ledger_entries_escrow on ledger_entries (escrow_id) where escrow_id is not null;

-- Legs (postings and pending legs) reference their entry by (id, creating transaction), and a
-- trigger stamps each leg with the transaction inserting it: so legs can only be added to an
-- entry inside the transaction that creates it, never to a committed one.
create table ledger_postings (
  entry_id bigint not null,
  entry_xid xid8 not null default pg_current_xact_id(),
  leg smallint not null check (leg >= 0),
  account_id bigint not null references ledger_accounts (id),
  currency text not null,
  -- Signed, in the currency's minor unit: an account's balance is the sum of its postings.
  amount bigint not null check (amount <> 0),
  -- Filled in by the posting trigger from the account row it updates.
  account_version bigint not null check (account_version > 0),
  balance_after bigint not null,
  primary key (entry_id, leg),
  foreign key (entry_id, entry_xid) references ledger_entries (id, created_xid),
  constraint ledger_postings_account_version unique (account_id, account_version)
);

create table ledger_pending_legs (
  entry_id bigint not null,
  entry_xid xid8 not null default pg_current_xact_id(),
  leg smallint not null check (leg >= 0),
  account_id bigint not null references ledger_accounts (id),
  currency text not null,
  amount bigint not null check (amount <> 0),
  primary key (entry_id, leg),
  foreign key (entry_id, entry_xid) references ledger_entries (id, created_xid)
);
create index ledger_pending_legs_account on ledger_pending_legs (account_id);
