-- A group in one pass. 0130's group called ledger_post once per entry, each call about eight
-- statements and a balance update per account and entry, so a hot account's row took a new
-- version for every entry. Now a group whose entries are all ordinary final ones is posted with
-- a handful of statements for the whole group, each account's balance moved once. Any group
-- the single pass cannot take whole (a pending entry, a reversal, a key seen before, an entry
-- refused) is undone and posted entry by entry, as before, so every entry still gets exactly
-- ledger_post's answer.

-- What makes a request a valid entry, before any account is read: 0130's checks, now a function
-- of their own, because the group's single pass (below) checks every entry the same way.
create function ledger_check_request(p jsonb) returns void
language plpgsql
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_platform text := p->>'platformId';
  v_key text := p->>'idempotencyKey';
  v_kind text := p->>'kind';
  v_phase text := p->>'phase';
  v_escrow text := p->>'escrowId';
  v_reverses bigint := (p->>'reversesEntryId')::bigint;
  v_legs bigint;
  v_zero_leg boolean;
  v_unbalanced text;
  v_foreign_holding boolean;
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
end
$$;

-- 0130's ledger_post, its request checks now in ledger_check_request.
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
  v_leg record;
  v_account record;
  v_change bigint;
  v_short jsonb;
  v_entry_id bigint;
begin
  perform ledger_check_request(p);

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

-- The single pass: the group's results (ledger_post's, in the group's order) if it can post every
-- entry of the group as ledger_post would, in key order; null, having written nothing, if not.
-- Raises when an entry turns out not to be new after all (a concurrent group claimed its key
-- first); the caller then undoes the pass. The accounts exist and are locked by the caller.
create function ledger_post_all(p jsonb, p_shard smallint) returns jsonb
language plpgsql
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_order bigint[];
  v_leg_entry bigint[];
  v_leg_no bigint[];
  v_leg_account bigint[];
  v_leg_amount bigint[];
  v_leg_currency text[];
  v_leg_platform text[];
  v_entry_ids bigint[];
begin
  -- Entries in key order: v_order[i] is the position in p of the i-th.
  select array_agg(g.n order by g.value->>'platformId', g.value->>'idempotencyKey', g.n)
    into v_order
    from jsonb_array_elements(p) with ordinality as g(value, n);
  if exists (select from jsonb_array_elements(p) g
              where g.value->>'phase' is distinct from 'final' or g.value->>'reversesEntryId' is not null)
     or (select count(distinct jsonb_build_array(g.value->'platformId', g.value->'idempotencyKey'))
           from jsonb_array_elements(p) g) < cardinality(v_order)
     or exists (select from jsonb_array_elements(p) g
                 where exists (select from ledger_entries e
                                where e.platform_id = g.value->>'platformId'
                                  and e.idempotency_key = g.value->>'idempotencyKey')) then
    return null;
  end if;
  perform ledger_check_request(g.value) from jsonb_array_elements(p) g;

  -- Every leg, entries in key order: its entry's rank, its number, its account.
  select array_agg(o.ord order by o.ord, l.n), array_agg(l.n order by o.ord, l.n),
         array_agg((
           select a.id from ledger_accounts a
            where a.ref_key = ledger_ref_key(l.value->>'kind', l.value->>'currency',
                    l.value->>'platformId', l.value->>'escrowId', l.value->>'sellerId', l.value->>'provider')
              and a.shard = case when ledger_is_hot(l.value->>'kind') then p_shard else 0 end
         ) order by o.ord, l.n),
         array_agg((l.value->>'amount')::bigint order by o.ord, l.n),
         array_agg(l.value->>'currency' order by o.ord, l.n),
         array_agg(p->(o.n::int - 1)->>'platformId' order by o.ord, l.n)
    into v_leg_entry, v_leg_no, v_leg_account, v_leg_amount, v_leg_currency, v_leg_platform
    from unnest(v_order) with ordinality as o(n, ord),
         jsonb_array_elements(p->(o.n::int - 1)->'legs') with ordinality as l(value, n);
  if array_position(v_leg_account, null) is not null then
    return null;
  end if;

  -- Another platform's account, or a guarded account that some entry, after those before it in
  -- key order, would overdraw: ledger_post would refuse that entry.
  if exists (
    select from (
      select a.platform_id, a.may_go_negative, a.balance - a.pending_out as available, u.platform,
             -- Through the whole of the leg's entry: its other legs on the account are peers.
             sum(u.amount) over (partition by u.account order by u.entry) as change
        from unnest(v_leg_account, v_leg_amount, v_leg_entry, v_leg_platform)
               as u(account, amount, entry, platform)
        join ledger_accounts a on a.id = u.account
    ) moved
    where (moved.platform_id is not null and moved.platform_id <> moved.platform)
       or (not moved.may_go_negative and moved.available + moved.change < 0)
  ) then
    return null;
  end if;

  -- The keys are claimed in key order, as ledger_post claims them one by one.
  with claimed as (
    insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, escrow_id,
                                pending_entry_id, reverses_entry_id, metadata, created_at, created_xid)
    select e->>'platformId', e->>'idempotencyKey', decode(e->>'requestHash', 'hex'), e->>'kind',
           'final', e->>'escrowId', null, null, coalesce(e->'metadata', '{}'), now(), pg_current_xact_id()
      from unnest(v_order) with ordinality as o(n, ord), lateral (select p->(o.n::int - 1) as e) x
     order by o.ord
    on conflict (platform_id, idempotency_key) do nothing
    returning id, platform_id, idempotency_key
  )
  select array_agg(c.id order by o.ord) into v_entry_ids
    from unnest(v_order) with ordinality as o(n, ord)
    join claimed c on c.platform_id = p->(o.n::int - 1)->>'platformId'
                  and c.idempotency_key = p->(o.n::int - 1)->>'idempotencyKey';
  if coalesce(cardinality(v_entry_ids), 0) < cardinality(v_order) then
    raise exception 'a concurrent group claimed a key of this one' using errcode = 'LD900';
  end if;

  -- Each account's balance and version move once; each posting records the version and balance
  -- its account reaches with it, entries in key order.
  with legs as (
    select u.account, u.currency, u.amount, u.entry, u.leg
      from unnest(v_leg_account, v_leg_currency, v_leg_amount, v_leg_entry, v_leg_no)
             as u(account, currency, amount, entry, leg)
  ), moved as (
    update ledger_accounts a set balance = a.balance + d.total, version = a.version + d.n
      from (select account, sum(amount)::int8 as total, count(*) as n from legs group by account) d
     where a.id = d.account
    returning a.id, a.balance - d.total as old_balance, a.version - d.n as old_version
  )
  insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
  select v_entry_ids[l.entry], l.leg - 1, l.account, l.currency, l.amount,
         m.old_version + row_number() over w, m.old_balance + (sum(l.amount) over w)::int8
    from legs l join moved m on m.id = l.account
  window w as (partition by l.account order by l.entry, l.leg);

  return (select jsonb_agg(jsonb_build_object('entryId', v_entry_ids[o.ord]::text, 'created', true)
                           order by o.n)
            from unnest(v_order) with ordinality as o(n, ord));
end
$$;

-- 0130's group, which now tries the single pass first.
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
  v_all jsonb;
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

  -- The whole group in one pass, in a subtransaction: undone if it cannot be posted whole.
  begin
    v_all := ledger_post_all(p, v_shard);
  exception when others then
    get stacked diagnostics v_state = returned_sqlstate;
    if v_state in ('40001', '40P01') then
      raise;
    end if;
  end;
  if v_all is not null then
    return v_all;
  end if;

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

-- A replaced function keeps its owner and grants but takes only the settings given with it: the
-- entry points' search paths are fixed again, as in 0130. The new helpers are the owner's alone.
do $$
declare
  v_fn text;
begin
  foreach v_fn in array array['ledger_post(jsonb)', 'ledger_post_group(jsonb)'] loop
    execute format('alter function %s set search_path = %I, pg_temp', v_fn, current_schema());
  end loop;
end
$$;
revoke execute on function ledger_check_request(jsonb) from public;
revoke execute on function ledger_post_all(jsonb, smallint) from public;
