-- Reconciliation: each pass over a period (a run), and every mismatch it found between the
-- ledger and a rail's own records. A mismatch is reported once: the same kind of disagreement
-- about the same movement, found again by a later pass, is the one already reported.

create table reconciliation_runs (
  id text primary key,
  -- Listing order and pagination cursor; never shown as such.
  position bigint generated always as identity unique,
  period_from timestamptz not null,
  period_to timestamptz not null,
  started_at timestamptz not null default now(),
  -- Null while the pass runs (or when it died): the next pass starts at the last finished one's end.
  finished_at timestamptz,
  checked integer not null default 0 check (checked >= 0),
  -- What the pass could not check, and why (a direction without a listing, a rail error).
  notes text[] not null default '{}',
  check (period_from <= period_to)
);
create index reconciliation_runs_finished on reconciliation_runs (period_to) where finished_at is not null;

create table reconciliation_mismatches (
  id bigint generated always as identity primary key,
  run_id text not null references reconciliation_runs (id),
  kind text not null
    check (kind in ('missing_in_ledger', 'missing_at_rail', 'amount_differs', 'status_differs')),
  movement text not null check (movement in ('payment', 'refund', 'payout')),
  reference text not null,
  escrow_id text,
  -- Each side as the pass saw it: { phase, amount, currency, at } and { status, amount, … }.
  ledger jsonb,
  rail jsonb,
  detail text not null,
  -- Handled: the escrow was flagged for ops, or the mismatch fixed (a lost payment delivered).
  -- Null until then, so a pass that died between finding and flagging flags it next time.
  handled_at timestamptz,
  fixed boolean not null default false,
  created_at timestamptz not null default now(),
  unique (kind, reference)
);
create index reconciliation_mismatches_run on reconciliation_mismatches (run_id, id);
create index reconciliation_mismatches_unhandled on reconciliation_mismatches (id) where handled_at is null;
