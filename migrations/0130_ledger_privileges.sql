-- Fewer mechanisms per posting. Until now every rule was a trigger, so that it held whoever wrote
-- the tables: a trigger per postings statement applied balances and checked the history, a
-- deferred trigger per entry checked it at commit, and more guarded accounts and resolutions.
-- Each trigger costs more than the check it runs. Now the application runs as the role
-- escrow_app, which may read the ledger's tables but write none of them; the posting functions
-- run as the tables' owner (SECURITY DEFINER) and are the only way in, so each rule is checked
-- once, inline, where the function writes. The append-only triggers stay (they never fire on the
-- posting path, and they hold for the owner too).

-- The application's role. Its members (the application's logins) get its privileges with
-- `set role escrow_app` (infra/db.ts does so on every connection of the application's pools).
do $$
begin
  if not exists (select from pg_roles where rolname = 'escrow_app') then
    create role escrow_app nologin;
  end if;
exception when duplicate_object or unique_violation then
  null;  -- created meanwhile by a migration of another database of this cluster
end
$$;

do $$
begin
  -- The migrating login runs the application too, as escrow_app: it must be allowed to switch.
  if not pg_has_role(current_user, 'escrow_app', 'member') then
    execute format('grant escrow_app to %I', current_user);
  end if;
  execute format('grant usage on schema %I to escrow_app', current_schema());
  execute format('grant select, insert, update, delete on all tables in schema %I to escrow_app',
                 current_schema());
  execute format('grant usage, select on all sequences in schema %I to escrow_app', current_schema());
  -- Tables and sequences of later migrations: the same, unless that migration says otherwise.
  execute format('alter default privileges in schema %I grant select, insert, update, delete on tables to escrow_app',
                 current_schema());
  execute format('alter default privileges in schema %I grant usage, select on sequences to escrow_app',
                 current_schema());
end
$$;

-- The ledger and the schema's own bookkeeping: read-only for the application.
revoke insert, update, delete, truncate, references, trigger
  on ledger_accounts, ledger_entries, ledger_postings, ledger_pending_legs, currencies,
     schema_migrations
  from escrow_app, public;

-- The triggers the functions below make redundant.
drop trigger ledger_postings_apply on ledger_postings;
drop trigger ledger_pending_legs_apply on ledger_pending_legs;
drop trigger ledger_entries_check on ledger_entries;
drop trigger ledger_entries_before_insert on ledger_entries;
drop trigger ledger_entries_release on ledger_entries;
drop trigger ledger_accounts_reject_update on ledger_accounts;
drop trigger ledger_accounts_before_insert on ledger_accounts;
drop function ledger_apply_postings();
drop function ledger_apply_pending_legs();
drop function ledger_check_entry();
drop function ledger_entries_before_insert();
drop function ledger_release_reservation();
drop function ledger_accounts_reject_update();
drop function ledger_accounts_before_insert();

-- The account a leg refers to, created on first use, valid for its kind: the owner columns
-- its kind takes, a shard only for a hot account.
create or replace function ledger_account_for(p_leg jsonb, p_platform_id text, p_shard smallint) returns bigint
language plpgsql as $$
declare
  v_kind text := p_leg->>'kind';
  v_currency text := p_leg->>'currency';
  v_platform text := case v_kind
    when 'escrow_holding' then p_platform_id
    when 'psp_clearing' then null
    else p_leg->>'platformId' end;
  v_escrow text := p_leg->>'escrowId';
  v_seller text := p_leg->>'sellerId';
  v_provider text := p_leg->>'provider';
  v_key text := ledger_ref_key(v_kind, v_currency, v_platform, v_escrow, v_seller, v_provider);
  v_shard smallint := case when ledger_is_hot(v_kind) then p_shard else 0 end;
  v_id bigint;
  v_other text;
begin
  select id into v_id from ledger_accounts where ref_key = v_key and shard = v_shard;
  if found then
    return v_id;
  end if;
  if not exists (select from currencies where code = v_currency) then
    raise exception 'unknown currency %', v_currency
      using errcode = 'LD003', detail = jsonb_build_object('currency', v_currency)::text;
  end if;
  if not coalesce(case v_kind
      when 'psp_clearing' then v_escrow is null and v_seller is null
      when 'escrow_holding' then v_platform is not null and v_escrow is not null
        and v_seller is null and v_provider is null
      when 'seller_payable' then v_platform is not null and v_seller is not null
        and v_escrow is null and v_provider is null
      when 'buyer_refund' then v_platform is not null and v_escrow is null
        and v_seller is null and v_provider is null
      when 'platform_fee_revenue' then v_platform is not null and v_escrow is null
        and v_seller is null and v_provider is null
    end, false) or '' in (v_platform, v_escrow, v_seller, v_provider)
    or v_shard < 0 or v_shard >= ledger_hot_shards() then
    raise exception 'not a valid % account: platform %, escrow %, seller %, provider %, shard %', v_kind,
      v_platform, v_escrow, v_seller, v_provider, v_shard using errcode = 'LD101';
  end if;
  if v_kind = 'escrow_holding' then
    select currency into v_other from ledger_accounts where kind = 'escrow_holding' and escrow_id = v_escrow;
    if found then
      raise exception 'escrow % is held in %, not %', v_escrow, v_other, v_currency
        using errcode = 'LD004',
          detail = jsonb_build_object('escrowId', v_escrow, 'expected', v_other, 'actual', v_currency)::text;
    end if;
  end if;
  insert into ledger_accounts (kind, currency, platform_id, escrow_id, seller_id, provider, shard,
                               ref_key, may_go_negative)
  values (v_kind, v_currency, v_platform, v_escrow, v_seller, v_provider, v_shard,
          v_key, ledger_is_hot(v_kind))
  on conflict (ref_key, shard) do nothing
  returning id into v_id;
  if v_id is null then
    select id into v_id from ledger_accounts where ref_key = v_key and shard = v_shard;
  end if;
  return v_id;
end
$$;

-- An entry's legs (arrays in leg order) become postings: each account's balance and version
-- move once, and each posting records the version and balance its account reaches with it.
-- The accounts are locked by the caller.
create function ledger_write_postings(p_entry_id bigint, p_ids bigint[], p_currencies text[], p_amounts bigint[])
returns void
language sql as $$
  with legs as (
    select u.id, u.currency, u.amount, u.n
      from unnest(p_ids, p_currencies, p_amounts) with ordinality as u(id, currency, amount, n)
  ), moved as (
    update ledger_accounts a set balance = a.balance + d.total, version = a.version + d.n
      from (select id, sum(amount)::int8 as total, count(*) as n from legs group by id) d
     where a.id = d.id
    returning a.id, a.balance - d.total as old_balance, a.version - d.n as old_version
  )
  insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
  select p_entry_id, l.n - 1, l.id, l.currency, l.amount,
         m.old_version + row_number() over w, m.old_balance + (sum(l.amount) over w)::int8
    from legs l join moved m on m.id = l.id
  window w as (partition by l.id order by l.n)
$$;

-- Posts a final entry or creates a pending one (payload as in 0013, with 0120's optional shard).
-- What the commit-time trigger checked is checked here, before anything is written: a known
-- kind, at least two non-zero legs, a zero sum per currency, holding accounts of the entry's own
-- escrow only, and a reversal of a posted entry of the same platform.
create or replace function ledger_post(p jsonb) returns jsonb
language plpgsql security definer
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_platform text := p->>'platformId';
  v_key text := p->>'idempotencyKey';
  v_hash bytea := decode(p->>'requestHash', 'hex');
  v_kind text := p->>'kind';
  v_phase text := p->>'phase';
  v_escrow text := p->>'escrowId';
  v_reverses bigint := (p->>'reversesEntryId')::bigint;
  v_shard smallint := coalesce((p->>'shard')::smallint, ledger_shard_for(v_key));
  v_existing ledger_entries;
  v_ids bigint[];
  v_amounts bigint[];
  v_currencies text[];
  v_legs bigint;
  v_zero_leg boolean;
  v_unbalanced text;
  v_foreign_holding boolean;
  v_leg record;
  v_account record;
  v_change bigint;
  v_short jsonb;
  v_entry_id bigint;
begin
  if v_phase is null or v_phase not in ('final', 'pending') then
    raise exception 'phase must be final or pending, not %', v_phase using errcode = 'LD009';
  end if;
  if v_kind is null
     or v_kind not in ('funding', 'release', 'refund', 'refund_payout', 'payout', 'reversal', 'adjustment')
     or (v_reverses is not null and (v_kind <> 'reversal' or v_phase <> 'final')) then
    raise exception 'not a valid % % entry (reverses %)', v_phase, v_kind, v_reverses
      using errcode = 'LD103';
  end if;
  select coalesce(sum(n), 0), coalesce(bool_or(zero_leg), false),
         string_agg(currency || ' ' || total, ', ') filter (where total <> 0),
         coalesce(bool_or(foreign_holding), false)
    into v_legs, v_zero_leg, v_unbalanced, v_foreign_holding
    from (
      select e.value->>'currency' as currency, count(*) as n, sum((e.value->>'amount')::bigint) as total,
             bool_or((e.value->>'amount')::bigint = 0) as zero_leg,
             bool_or(e.value->>'kind' = 'escrow_holding' and e.value->>'escrowId' is distinct from v_escrow)
               as foreign_holding
        from jsonb_array_elements(p->'legs') e
       group by 1
    ) per_currency;
  if v_legs < 2 or v_zero_leg then
    raise exception 'entry % has % leg(s): at least two non-zero ones are required', v_key, v_legs
      using errcode = 'LD103';
  end if;
  if v_unbalanced is not null then
    raise exception 'entry % does not sum to zero: %', v_key, v_unbalanced using errcode = 'LD103';
  end if;
  if v_foreign_holding then
    raise exception 'entry % touches the holding account of an escrow other than its own (%)',
      v_key, coalesce(v_escrow, 'none') using errcode = 'LD103';
  end if;
  if v_reverses is not null and not exists (
    select from ledger_entries
     where id = v_reverses and phase in ('final', 'post') and platform_id = v_platform
  ) then
    raise exception 'entry % is not a posted entry of platform %', v_reverses, v_platform
      using errcode = 'LD102';
  end if;

  loop
    -- One index probe per leg (a join could hash the whole accounts table).
    select array_agg((
             select a.id from ledger_accounts a
              where a.ref_key = ledger_ref_key(e.value->>'kind', e.value->>'currency',
                      e.value->>'platformId', e.value->>'escrowId', e.value->>'sellerId', e.value->>'provider')
                and a.shard = case when ledger_is_hot(e.value->>'kind') then v_shard else 0 end
           ) order by e.n),
           array_agg((e.value->>'amount')::bigint order by e.n),
           array_agg(e.value->>'currency' order by e.n)
      into v_ids, v_amounts, v_currencies
      from jsonb_array_elements(p->'legs') with ordinality as e(value, n);
    exit when array_position(v_ids, null) is null;
    -- First use of some account: create the missing ones in key order, so that concurrent
    -- creators queue instead of deadlocking.
    for v_leg in
      select e.value as leg,
             ledger_ref_key(e.value->>'kind', e.value->>'currency', e.value->>'platformId',
               e.value->>'escrowId', e.value->>'sellerId', e.value->>'provider') as ref_key
        from jsonb_array_elements(p->'legs') with ordinality as e(value, n)
       where v_ids[e.n] is null
       order by ref_key
    loop
      perform ledger_account_for(v_leg.leg, v_platform, v_shard);
    end loop;
  end loop;

  -- Lock the entry's accounts in id order: entries over the same accounts queue, never
  -- deadlock. Refuse another platform's account, and note the first guarded account the entry
  -- would overdraw (a final entry moves the balance; a pending one reserves its outgoing legs).
  for v_account in
    select id, kind, currency, platform_id, may_go_negative, balance, pending_out
      from ledger_accounts where id = any (v_ids) order by id for update
  loop
    if v_account.platform_id is not null and v_account.platform_id <> v_platform then
      raise exception 'account % belongs to platform %, not %', v_account.id, v_account.platform_id, v_platform
        using errcode = 'LD008', detail = jsonb_build_object('accountId', v_account.id::text)::text;
    end if;
    if not v_account.may_go_negative and v_short is null then
      v_change := 0;
      for i in 1 .. cardinality(v_ids) loop
        if v_ids[i] = v_account.id and (v_phase = 'final' or v_amounts[i] < 0) then
          v_change := v_change + v_amounts[i];
        end if;
      end loop;
      if v_account.balance - v_account.pending_out + v_change < 0 then
        v_short := jsonb_build_object(
          'accountId', v_account.id::text, 'kind', v_account.kind, 'currency', v_account.currency,
          'balance', v_account.balance::text,
          'available', (v_account.balance - v_account.pending_out)::text,
          'requested', (-v_change)::text);
      end if;
    end if;
  end loop;

  if v_short is not null then
    -- A duplicate of this request that held these locks has committed by now: replay it rather
    -- than report the funds it moved as missing.
    select * into v_existing from ledger_entries where platform_id = v_platform and idempotency_key = v_key;
    if found then
      return ledger_replay(v_existing, v_hash, v_phase);
    end if;
    raise exception 'insufficient funds in account %', v_short->>'accountId'
      using errcode = 'LD001', detail = v_short::text;
  end if;

  -- The idempotency key is claimed here: a replay finds the original entry and moves nothing.
  -- Every column is given: defaults would be prepared afresh for each statement.
  insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, escrow_id,
                              pending_entry_id, reverses_entry_id, metadata, created_at, created_xid)
  values (v_platform, v_key, v_hash, v_kind, v_phase, v_escrow,
          null, v_reverses, coalesce(p->'metadata', '{}'), now(), pg_current_xact_id())
  on conflict (platform_id, idempotency_key) do nothing
  returning id into v_entry_id;
  if v_entry_id is null then
    select * into v_existing from ledger_entries where platform_id = v_platform and idempotency_key = v_key;
    return ledger_replay(v_existing, v_hash, v_phase);
  end if;

  if v_phase = 'final' then
    perform ledger_write_postings(v_entry_id, v_ids, v_currencies, v_amounts);
  else
    -- A reservation: outgoing legs count against the available balance until it is resolved.
    with legs as (
      select u.id, u.currency, u.amount, u.n
        from unnest(v_ids, v_currencies, v_amounts) with ordinality as u(id, currency, amount, n)
    ), reserved as (
      update ledger_accounts a
         set pending_out = a.pending_out + d.out_amount, pending_in = a.pending_in + d.in_amount
        from (select id, sum(greatest(-amount, 0))::int8 as out_amount,
                     sum(greatest(amount, 0))::int8 as in_amount
                from legs group by id) d
       where a.id = d.id
    )
    insert into ledger_pending_legs (entry_id, leg, account_id, currency, amount)
    select v_entry_id, l.n - 1, l.id, l.currency, l.amount from legs l;
  end if;
  return jsonb_build_object('entryId', v_entry_id::text, 'created', true);
end
$$;

-- Resolves a pending entry once (payload as in 0013): its whole reservation is released, and a
-- post moves what was settled, never more than a leg reserved.
create or replace function ledger_resolve(p jsonb) returns jsonb
language plpgsql security definer
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_pending_id bigint := (p->>'pendingEntryId')::bigint;
  v_key text := p->>'idempotencyKey';
  v_hash bytea := decode(p->>'requestHash', 'hex');
  v_action text := p->>'action';
  v_amount bigint := (p->>'amount')::bigint;
  v_pending ledger_entries;
  v_existing ledger_entries;
  v_ids bigint[];
  v_amounts bigint[];
  v_currencies text[];
  v_entry_id bigint;
begin
  if v_action is null or v_action not in ('post', 'void') then
    raise exception 'action must be post or void, not %', v_action using errcode = 'LD009';
  end if;
  select * into v_pending from ledger_entries where id = v_pending_id;
  if not found or v_pending.phase <> 'pending' then
    raise exception 'no pending entry %', v_pending_id
      using errcode = 'LD005', detail = jsonb_build_object('pendingEntryId', v_pending_id::text)::text;
  end if;
  select * into v_existing from ledger_entries
   where platform_id = v_pending.platform_id and idempotency_key = v_key;
  if found then
    return ledger_replay(v_existing, v_hash, v_action);
  end if;

  -- Resolutions of one pending entry queue on its row; the first one wins.
  perform from ledger_entries where id = v_pending_id for update;
  select * into v_existing from ledger_entries where pending_entry_id = v_pending_id;
  if found then
    if v_existing.idempotency_key = v_key then
      return ledger_replay(v_existing, v_hash, v_action);
    end if;
    raise exception 'pending entry % was already %ed by entry %', v_pending_id, v_existing.phase, v_existing.id
      using errcode = 'LD006', detail = jsonb_build_object(
        'pendingEntryId', v_pending_id::text, 'resolution', v_existing.phase,
        'resolvedEntryId', v_existing.id::text)::text;
  end if;

  select array_agg(account_id order by leg), array_agg(amount order by leg), array_agg(currency order by leg)
    into v_ids, v_amounts, v_currencies
    from ledger_pending_legs where entry_id = v_pending_id;
  if v_action = 'post' and v_amount is not null then
    if cardinality(v_ids) <> 2 then
      raise exception 'only a two-leg pending entry can be posted in part; entry % has %',
        v_pending_id, cardinality(v_ids) using errcode = 'LD009';
    end if;
    if v_amount <= 0 or v_amount > abs(v_amounts[1]) then
      raise exception 'cannot post % of pending entry % (reserved %)', v_amount, v_pending_id, abs(v_amounts[1])
        using errcode = 'LD007', detail = jsonb_build_object(
          'pendingEntryId', v_pending_id::text, 'reserved', abs(v_amounts[1])::text,
          'requested', v_amount::text)::text;
    end if;
    v_amounts := array[sign(v_amounts[1]) * v_amount, sign(v_amounts[2]) * v_amount];
  end if;

  perform from ledger_accounts where id = any (v_ids) order by id for update;
  insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, escrow_id,
                              pending_entry_id, reverses_entry_id, metadata, created_at, created_xid)
  values (v_pending.platform_id, v_key, v_hash, v_pending.kind, v_action, v_pending.escrow_id,
          v_pending_id, null, coalesce(p->'metadata', '{}'), now(), pg_current_xact_id())
  on conflict (platform_id, idempotency_key) do nothing
  returning id into v_entry_id;
  if v_entry_id is null then
    select * into v_existing from ledger_entries
     where platform_id = v_pending.platform_id and idempotency_key = v_key;
    return ledger_replay(v_existing, v_hash, v_action);
  end if;
  update ledger_accounts a
     set pending_out = a.pending_out - r.out_amount, pending_in = a.pending_in - r.in_amount
    from (
      select account_id, sum(greatest(-amount, 0)) as out_amount, sum(greatest(amount, 0)) as in_amount
        from ledger_pending_legs where entry_id = v_pending_id group by account_id
    ) r
   where a.id = r.account_id;
  if v_action = 'post' then
    perform ledger_write_postings(v_entry_id, v_ids, v_currencies, v_amounts);
  end if;
  return jsonb_build_object('entryId', v_entry_id::text, 'created', true);
end
$$;

-- 0120's group commit, without the commit-time trigger it fired per entry: ledger_post checks
-- each entry before it writes. Each entry still runs in its own subtransaction, so a refused
-- one is refused alone.
create or replace function ledger_post_group(p jsonb) returns jsonb
language plpgsql security definer
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_leg record;
  v_entry record;
  v_results jsonb[] := array_fill(null::jsonb, array[jsonb_array_length(p)]);
  v_state text;
  v_message text;
  v_detail text;
  v_constraint text;
  -- The group's shard of every hot account: that of its first key.
  v_shard smallint := ledger_shard_for(p->0->>'idempotencyKey');
begin
  -- First use of an account: create it now, in key order across the group. A creation that
  -- fails (unknown currency, escrow held in another currency) fails again, alone, in its
  -- entry's own subtransaction below.
  for v_leg in
    select l.leg, l.platform_id
      from (
        select leg.value as leg, g.value->>'platformId' as platform_id,
               ledger_ref_key(leg.value->>'kind', leg.value->>'currency', leg.value->>'platformId',
                 leg.value->>'escrowId', leg.value->>'sellerId', leg.value->>'provider') as ref_key,
               case when ledger_is_hot(leg.value->>'kind') then v_shard else 0 end as shard
          from jsonb_array_elements(p) g, jsonb_array_elements(g.value->'legs') leg
      ) l
     -- A scalar subquery, not NOT EXISTS: an anti-join would read the whole accounts index.
     where (select a.id from ledger_accounts a where a.ref_key = l.ref_key and a.shard = l.shard) is null
     order by l.ref_key, l.shard
  loop
    begin
      perform ledger_account_for(v_leg.leg, v_leg.platform_id, v_shard);
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate;
      if v_state in ('40001', '40P01') then
        raise;
      end if;
    end;
  end loop;

  -- Every account of the group, locked once, in id order.
  perform from ledger_accounts
   where id = any (array(
     select (select a.id from ledger_accounts a
              where a.ref_key = ledger_ref_key(leg.value->>'kind', leg.value->>'currency',
                      leg.value->>'platformId', leg.value->>'escrowId', leg.value->>'sellerId',
                      leg.value->>'provider')
                and a.shard = case when ledger_is_hot(leg.value->>'kind') then v_shard else 0 end)
       from jsonb_array_elements(p) g, jsonb_array_elements(g.value->'legs') leg))
   order by id
     for update;

  -- Entries in key order, each in a subtransaction. The same key twice in one group: the second
  -- replays the first.
  for v_entry in
    select g.value || jsonb_build_object('shard', v_shard) as payload, g.n
      from jsonb_array_elements(p) with ordinality as g(value, n)
     order by g.value->>'platformId', g.value->>'idempotencyKey', g.n
  loop
    begin
      v_results[v_entry.n] := ledger_post(v_entry.payload);
    exception when others then
      get stacked diagnostics v_state = returned_sqlstate, v_message = message_text,
        v_detail = pg_exception_detail, v_constraint = constraint_name;
      if v_state in ('40001', '40P01') then
        raise;
      end if;
      v_results[v_entry.n] := jsonb_build_object('error', jsonb_build_object(
        'code', v_state, 'message', v_message, 'detail', nullif(v_detail, ''),
        'constraint', nullif(v_constraint, '')));
    end;
  end loop;
  return to_jsonb(v_results);
end
$$;

-- The entry points run as the owner, so their search path is fixed: this schema, then pg_temp
-- (a temporary table of the caller's cannot stand in for a ledger table). Only escrow_app (and
-- the owner) may call them; the helpers that write are the owner's alone.
do $$
declare
  v_fn text;
begin
  foreach v_fn in array array['ledger_post(jsonb)', 'ledger_resolve(jsonb)', 'ledger_post_group(jsonb)'] loop
    execute format('alter function %s set search_path = %I, pg_temp', v_fn, current_schema());
    execute format('revoke execute on function %s from public', v_fn);
    execute format('grant execute on function %s to escrow_app', v_fn);
  end loop;
end
$$;
revoke execute on function ledger_account_for(jsonb, text, smallint) from public;
revoke execute on function ledger_write_postings(bigint, bigint[], text[], bigint[]) from public;
