-- Rules the database enforces whoever writes to it. Error codes LD1xx mark a broken rule; the
-- posting functions (0013) never trip them in normal operation; the triggers below then run
-- under the planner settings those functions set.

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

-- An account's money columns change only as a side effect of inserting postings, pending legs
-- or a resolution: the triggers below update the account rows, one trigger level below any
-- statement a client sends. So a client's UPDATE of a balance is refused, and the cached
-- balance stays the sum of the postings.
create function ledger_accounts_before_insert() returns trigger
language plpgsql as $$
begin
  if new.balance <> 0 or new.version <> 0 or new.pending_out <> 0 or new.pending_in <> 0 then
    raise exception 'a ledger account starts empty: its balance moves only through postings'
      using errcode = 'LD101';
  end if;
  if not coalesce(case new.kind
      when 'psp_clearing' then new.platform_id is null and new.escrow_id is null and new.seller_id is null
      when 'escrow_holding' then new.platform_id is not null and new.escrow_id is not null
        and new.seller_id is null and new.provider is null
      when 'seller_payable' then new.platform_id is not null and new.seller_id is not null
        and new.escrow_id is null and new.provider is null
      when 'buyer_refund' then new.platform_id is not null and new.escrow_id is null
        and new.seller_id is null and new.provider is null
      when 'platform_fee_revenue' then new.platform_id is not null and new.escrow_id is null
        and new.seller_id is null and new.provider is null
    end, false) or '' in (new.platform_id, new.escrow_id, new.seller_id, new.provider) then
    raise exception 'not a valid % account: platform %, escrow %, seller %, provider %', new.kind,
      new.platform_id, new.escrow_id, new.seller_id, new.provider using errcode = 'LD101';
  end if;
  new.may_go_negative := ledger_is_hot(new.kind);
  if new.shard < 0 or new.shard >= ledger_hot_shards() or (new.shard > 0 and not new.may_go_negative) then
    raise exception 'shard % is not valid for a % account', new.shard, new.kind using errcode = 'LD101';
  end if;
  new.ref_key := ledger_ref_key(new.kind, new.currency, new.platform_id, new.escrow_id,
                                new.seller_id, new.provider);
  return new;
end
$$;

create trigger ledger_accounts_before_insert before insert on ledger_accounts
  for each row execute function ledger_accounts_before_insert();

create function ledger_accounts_reject_update() returns trigger
language plpgsql as $$
begin
  if (new.kind, new.currency, new.platform_id, new.escrow_id, new.seller_id, new.provider,
      new.shard, new.ref_key, new.may_go_negative, new.created_at)
     is distinct from (old.kind, old.currency, old.platform_id, old.escrow_id, old.seller_id,
      old.provider, old.shard, old.ref_key, old.may_go_negative, old.created_at) then
    raise exception 'ledger account % cannot be renamed or moved', old.id using errcode = 'LD101';
  end if;
  if (new.balance, new.version, new.pending_out, new.pending_in)
     is distinct from (old.balance, old.version, old.pending_out, old.pending_in) then
    raise exception 'the balance of ledger account % moves only through postings', old.id
      using errcode = 'LD101';
  end if;
  return new;
end
$$;

-- The WHEN clause is evaluated before the trigger level is raised: depth 0 is a statement from
-- a client (or a function it called), the ledger's own triggers run at depth 1 and more.
create trigger ledger_accounts_reject_update before update on ledger_accounts
  for each row when (pg_trigger_depth() < 1) execute function ledger_accounts_reject_update();

create function ledger_entries_before_insert() returns trigger
language plpgsql as $$
declare
  v_target ledger_entries%rowtype;
begin
  if new.created_xid <> pg_current_xact_id() then
    raise exception 'created_xid is the inserting transaction''s id' using errcode = 'LD102';
  end if;
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
  for each row
  when (new.created_xid <> pg_current_xact_id() or new.pending_entry_id is not null
        or new.reverses_entry_id is not null)
  execute function ledger_entries_before_insert();

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

-- Postings carry the version and balance their account reaches with them. Once per INSERT
-- statement: every posting's entry was created by this transaction and takes postings, its
-- account exists and is in its currency, and every account's new postings continue its history
-- exactly (versions old+1..old+n, each balance_after = the previous one + amount). Then each
-- account takes its whole delta in one update.
create function ledger_apply_postings() returns trigger
language plpgsql as $$
declare
  v_bad record;
begin
  with per_account as (
    select account_id, sum(amount)::int8 as total, count(*) as n from inserted group by account_id
  ), applied as (
    update ledger_accounts a set balance = a.balance + p.total, version = a.version + p.n
      from per_account p
     where a.id = p.account_id
    returning a.id, a.currency, a.balance - p.total as old_balance, a.version - p.n as old_version
  )
  select i.entry_id, i.leg, i.account_id, i.currency, t.currency as account_currency
    into v_bad
    from (select i.*, sum(i.amount) over w as running, row_number() over w as nth
            from inserted i window w as (partition by i.account_id order by i.account_version)) i
    left join applied t on t.id = i.account_id
   where t.id is null or i.currency <> t.currency or i.amount = 0 or i.leg < 0
      or i.account_version <> t.old_version + i.nth or i.balance_after <> t.old_balance + i.running
      or (select e.created_xid = pg_current_xact_id() and e.phase in ('final', 'post')
            from ledger_entries e where e.id = i.entry_id) is not true
   limit 1;
  if found then
    if v_bad.account_currency is not null and v_bad.currency <> v_bad.account_currency then
      raise exception 'posting in % on account % held in %', v_bad.currency, v_bad.account_id,
        v_bad.account_currency using errcode = 'LD004';
    end if;
    raise exception 'posting % of entry % is not a non-zero posting of an entry of this transaction continuing the history of account %',
      v_bad.leg, v_bad.entry_id, v_bad.account_id using errcode = 'LD102';
  end if;
  return null;
end
$$;

create trigger ledger_postings_apply after insert on ledger_postings
  referencing new table as inserted
  for each statement execute function ledger_apply_postings();

create function ledger_apply_pending_legs() returns trigger
language plpgsql as $$
declare
  v_bad record;
begin
  with per_account as (
    select account_id, sum(greatest(-amount, 0))::int8 as out_amount,
           sum(greatest(amount, 0))::int8 as in_amount
      from inserted group by account_id
  ), applied as (
    update ledger_accounts a
       set pending_out = a.pending_out + p.out_amount, pending_in = a.pending_in + p.in_amount
      from per_account p
     where a.id = p.account_id
    returning a.id, a.currency
  )
  select i.entry_id, i.leg, i.account_id, i.currency, t.currency as account_currency
    into v_bad
    from inserted i left join applied t on t.id = i.account_id
   where t.id is null or i.currency <> t.currency or i.amount = 0 or i.leg < 0
      or (select e.created_xid = pg_current_xact_id() and e.phase = 'pending'
            from ledger_entries e where e.id = i.entry_id) is not true
   limit 1;
  if found then
    if v_bad.account_currency is not null and v_bad.currency <> v_bad.account_currency then
      raise exception 'pending leg in % on account % held in %', v_bad.currency, v_bad.account_id,
        v_bad.account_currency using errcode = 'LD004';
    end if;
    raise exception 'pending leg % of entry % is not a new leg of a pending entry of this transaction on an existing account (%)',
      v_bad.leg, v_bad.entry_id, v_bad.account_id using errcode = 'LD102';
  end if;
  return null;
end
$$;

create trigger ledger_pending_legs_apply after insert on ledger_pending_legs
  referencing new table as inserted
  for each statement execute function ledger_apply_pending_legs();

-- Checked at commit, once per entry, when all its legs are in: legs of the kind its phase takes
-- (postings for final and post, pending legs for pending, none for void), at least two of them,
-- a zero sum per currency, holding accounts of the entry's own escrow only, and a post never
-- settling more than its pending leg reserved. It runs after ledger_post has returned, so it
-- sets the planner as ledger_post does (0013).
create function ledger_check_entry() returns trigger
language plpgsql
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_legs bigint;
  v_unbalanced text;
  v_foreign_holding boolean;
begin
  if new.kind not in ('funding', 'release', 'refund', 'refund_payout', 'payout', 'reversal', 'adjustment')
     or new.phase not in ('final', 'pending', 'post', 'void')
     or (new.phase in ('post', 'void')) <> (new.pending_entry_id is not null)
     or (new.reverses_entry_id is not null and (new.kind <> 'reversal' or new.phase <> 'final')) then
    raise exception 'entry %: not a valid % % entry (resolves %, reverses %)', new.id, new.phase,
      new.kind, new.pending_entry_id, new.reverses_entry_id
      using errcode = 'LD103';
  end if;
  -- Legs are postings for final and post entries, pending legs for pending ones, none for
  -- void; the trigger that applies legs already refuses the wrong kind. Scalar subqueries keep
  -- every account lookup an index probe.
  select coalesce(sum(n), 0), string_agg(currency || ' ' || total, ', ') filter (where total <> 0),
         coalesce(bool_or(foreign_holding), false)
    into v_legs, v_unbalanced, v_foreign_holding
    from (
      select l.currency, count(*) as n, sum(l.amount) as total,
             bool_or((select a.kind = 'escrow_holding' and a.escrow_id is distinct from new.escrow_id
                        from ledger_accounts a where a.id = l.account_id)) as foreign_holding
        from (select account_id, currency, amount from ledger_postings where entry_id = new.id
              union all
              select account_id, currency, amount from ledger_pending_legs where entry_id = new.id) l
       group by l.currency
    ) per_currency;

  if (new.phase = 'void') <> (v_legs = 0) then
    raise exception '% entry % has % leg(s)', new.phase, new.id, v_legs using errcode = 'LD103';
  end if;
  if new.phase <> 'void' and v_legs < 2 then
    raise exception 'entry % has % leg(s): at least two are required', new.id, v_legs
      using errcode = 'LD103';
  end if;
  if v_unbalanced is not null then
    raise exception 'entry % does not sum to zero: %', new.id, v_unbalanced using errcode = 'LD103';
  end if;
  if v_foreign_holding then
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
