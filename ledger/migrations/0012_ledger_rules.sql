-- Rules the database enforces whoever writes to it. Error codes LD1xx mark a broken rule; the
-- posting functions (0013) never trip them in normal operation.

-- Journal entries, postings, reservations and currencies are append-only: corrections are new
-- (reversal) entries, never edits.
create function ledger_reject_change() returns trigger
language plpgsql as $$
begin
  raise exception '% on % is not allowed: the ledger is append-only (post a reversal instead)',
    tg_op, tg_table_name using errcode = 'LD100';
end
$$;

create trigger ledger_entries_append_only before update or delete on ledger_entries
  for each row execute function ledger_reject_change();
create trigger ledger_entries_no_truncate before truncate on ledger_entries
  for each statement execute function ledger_reject_change();
create trigger ledger_postings_append_only before update or delete on ledger_postings
  for each row execute function ledger_reject_change();
create trigger ledger_postings_no_truncate before truncate on ledger_postings
  for each statement execute function ledger_reject_change();
create trigger ledger_pending_legs_append_only before update or delete on ledger_pending_legs
  for each row execute function ledger_reject_change();
create trigger ledger_pending_legs_no_truncate before truncate on ledger_pending_legs
  for each statement execute function ledger_reject_change();
create trigger currencies_append_only before update or delete on currencies
  for each row execute function ledger_reject_change();
create trigger currencies_no_truncate before truncate on currencies
  for each statement execute function ledger_reject_change();
create trigger ledger_accounts_no_delete before delete on ledger_accounts
  for each row execute function ledger_reject_change();
create trigger ledger_accounts_no_truncate before truncate on ledger_accounts
  for each statement execute function ledger_reject_change();

-- An account's money columns change only as a side effect of inserting a posting, a pending
-- leg or a resolution: the triggers below update the account row, so they run one trigger level
-- deeper than any statement a client can send. That keeps balance = sum of postings.
create function ledger_accounts_guard() returns trigger
language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    if new.balance <> 0 or new.version <> 0 or new.pending_out <> 0 or new.pending_in <> 0 then
      raise exception 'a ledger account starts empty: its balance moves only through postings'
        using errcode = 'LD101';
    end if;
    return new;
  end if;
  if (new.kind, new.currency, new.platform_id, new.escrow_id, new.seller_id, new.provider,
      new.shard, new.created_at)
     is distinct from (old.kind, old.currency, old.platform_id, old.escrow_id, old.seller_id,
      old.provider, old.shard, old.created_at) then
    raise exception 'ledger account % cannot be renamed or moved', old.id using errcode = 'LD101';
  end if;
  if (new.balance, new.version, new.pending_out, new.pending_in)
     is distinct from (old.balance, old.version, old.pending_out, old.pending_in)
     and pg_trigger_depth() < 2 then
    raise exception 'the balance of ledger account % moves only through postings', old.id
      using errcode = 'LD101';
  end if;
  if new.version - old.version not in (0, 1) or (new.version = old.version) <> (new.balance = old.balance) then
    raise exception 'ledger account %: one posting moves the version by exactly one', old.id
      using errcode = 'LD101';
  end if;
  return new;
end
$$;

create trigger ledger_accounts_guard before insert or update on ledger_accounts
  for each row execute function ledger_accounts_guard();

create function ledger_entries_before_insert() returns trigger
language plpgsql as $$
declare
  v_target ledger_entries%rowtype;
begin
  new.created_xid := pg_current_xact_id();
  if new.pending_entry_id is not null then
    select * into v_target from ledger_entries where id = new.pending_entry_id;
    if not found or v_target.phase <> 'pending' or v_target.platform_id <> new.platform_id
       or v_target.kind <> new.kind then
      raise exception 'entry % is not a pending % entry of platform %',
        new.pending_entry_id, new.kind, new.platform_id using errcode = 'LD102';
    end if;
  end if;
  if new.reverses_entry_id is not null then
    select * into v_target from ledger_entries where id = new.reverses_entry_id;
    if not found or v_target.phase not in ('final', 'post') or v_target.platform_id <> new.platform_id then
      raise exception 'entry % is not a posted entry of platform %',
        new.reverses_entry_id, new.platform_id using errcode = 'LD102';
    end if;
  end if;
  return new;
end
$$;

create trigger ledger_entries_before_insert before insert on ledger_entries
  for each row execute function ledger_entries_before_insert();

-- Resolving a pending entry (post or void) releases its whole reservation; a post's postings
-- then move what was actually settled.
create function ledger_release_reservation() returns trigger
language plpgsql as $$
begin
  update ledger_accounts a
     set pending_out = a.pending_out - r.out_amount, pending_in = a.pending_in - r.in_amount
    from (
      select account_id, sum(greatest(-amount, 0)) as out_amount, sum(greatest(amount, 0)) as in_amount
        from ledger_pending_legs where entry_id = new.pending_entry_id group by account_id
    ) r
   where a.id = r.account_id;
  return null;
end
$$;

create trigger ledger_entries_release after insert on ledger_entries
  for each row when (new.pending_entry_id is not null) execute function ledger_release_reservation();

-- Shared by postings and pending legs: they join an entry of the right phase, created in this
-- very transaction (so nothing is ever added to a committed entry).
create function ledger_assert_open_entry(p_entry_id bigint, p_phases text[]) returns void
language plpgsql as $$
declare
  v_phase text;
  v_xid xid8;
begin
  select phase, created_xid into v_phase, v_xid from ledger_entries where id = p_entry_id;
  if not found then
    raise exception 'entry % does not exist', p_entry_id using errcode = 'LD102';
  end if;
  if v_xid <> pg_current_xact_id() then
    raise exception 'entry % is already committed: legs join an entry only in the transaction that creates it',
      p_entry_id using errcode = 'LD102';
  end if;
  if not v_phase = any (p_phases) then
    raise exception 'a % entry cannot take this kind of leg', v_phase using errcode = 'LD102';
  end if;
end
$$;

create function ledger_apply_posting() returns trigger
language plpgsql as $$
declare
  v_currency text;
begin
  perform ledger_assert_open_entry(new.entry_id, array['final', 'post']);
  update ledger_accounts set balance = balance + new.amount, version = version + 1
   where id = new.account_id
   returning currency, version, balance into v_currency, new.account_version, new.balance_after;
  if not found then
    raise exception 'account % does not exist', new.account_id using errcode = 'LD102';
  end if;
  if v_currency <> new.currency then
    raise exception 'posting in % on account % held in %', new.currency, new.account_id, v_currency
      using errcode = 'LD004';
  end if;
  return new;
end
$$;

create trigger ledger_postings_apply before insert on ledger_postings
  for each row execute function ledger_apply_posting();

create function ledger_apply_pending_leg() returns trigger
language plpgsql as $$
declare
  v_currency text;
begin
  perform ledger_assert_open_entry(new.entry_id, array['pending']);
  update ledger_accounts
     set pending_out = pending_out + greatest(-new.amount, 0),
         pending_in = pending_in + greatest(new.amount, 0)
   where id = new.account_id
   returning currency into v_currency;
  if not found then
    raise exception 'account % does not exist', new.account_id using errcode = 'LD102';
  end if;
  if v_currency <> new.currency then
    raise exception 'pending leg in % on account % held in %', new.currency, new.account_id, v_currency
      using errcode = 'LD004';
  end if;
  return new;
end
$$;

create trigger ledger_pending_legs_apply before insert on ledger_pending_legs
  for each row execute function ledger_apply_pending_leg();

-- Checked at commit, once per entry, when all its legs are in: at least two legs, zero sum per
-- currency, escrow holding legs only for the entry's own escrow, and a post never settles more
-- than its pending leg reserved.
create function ledger_check_entry() returns trigger
language plpgsql as $$
declare
  v_legs bigint;
  v_unbalanced text;
begin
  if new.phase = 'void' then
    v_legs := (select count(*) from ledger_postings where entry_id = new.id)
            + (select count(*) from ledger_pending_legs where entry_id = new.id);
    if v_legs > 0 then
      raise exception 'void entry % moves nothing but has % leg(s)', new.id, v_legs using errcode = 'LD103';
    end if;
    return null;
  end if;

  if new.phase = 'pending' then
    select coalesce(sum(n), 0), string_agg(currency || ' ' || total, ', ') filter (where total <> 0)
      into v_legs, v_unbalanced
      from (select currency, count(*) as n, sum(amount) as total
              from ledger_pending_legs where entry_id = new.id group by currency) per_currency;
  else
    select coalesce(sum(n), 0), string_agg(currency || ' ' || total, ', ') filter (where total <> 0)
      into v_legs, v_unbalanced
      from (select currency, count(*) as n, sum(amount) as total
              from ledger_postings where entry_id = new.id group by currency) per_currency;
  end if;
  if v_legs < 2 then
    raise exception 'entry % has % leg(s): at least two are required', new.id, v_legs
      using errcode = 'LD103';
  end if;
  if v_unbalanced is not null then
    raise exception 'entry % does not sum to zero: %', new.id, v_unbalanced using errcode = 'LD103';
  end if;

  if exists (
    select from ledger_postings p join ledger_accounts a on a.id = p.account_id
     where p.entry_id = new.id and a.kind = 'escrow_holding' and a.escrow_id is distinct from new.escrow_id
    union all
    select from ledger_pending_legs l join ledger_accounts a on a.id = l.account_id
     where l.entry_id = new.id and a.kind = 'escrow_holding' and a.escrow_id is distinct from new.escrow_id
  ) then
    raise exception 'entry % touches the holding account of an escrow other than its own (%)',
      new.id, coalesce(new.escrow_id, 'none') using errcode = 'LD103';
  end if;

  if new.phase = 'post' and exists (
    select from ledger_postings p
     where p.entry_id = new.id and not exists (
       select from ledger_pending_legs l
        where l.entry_id = new.pending_entry_id and l.leg = p.leg and l.account_id = p.account_id
          and sign(l.amount) = sign(p.amount) and abs(p.amount) <= abs(l.amount))
  ) then
    raise exception 'entry % settles more than pending entry % reserved', new.id, new.pending_entry_id
      using errcode = 'LD103';
  end if;
  return null;
end
$$;

create constraint trigger ledger_entries_check after insert on ledger_entries
  deferrable initially deferred
  for each row execute function ledger_check_entry();
