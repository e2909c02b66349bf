-- ledger_post (0013) as it was, but for one line: the payload may name the hot-account shard
-- (p.shard), so that all the entries of a group use one shard row of each hot account. Two
-- groups then meet on a hot account only when they drew the same shard, instead of on nearly
-- every shard. A replay still finds its entry by key, whatever shard it was posted on.
create or replace function ledger_post(p jsonb) returns jsonb
language plpgsql
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_platform text := p->>'platformId';
  v_key text := p->>'idempotencyKey';
  v_hash bytea := decode(p->>'requestHash', 'hex');
  v_phase text := p->>'phase';
  v_shard smallint := coalesce((p->>'shard')::smallint, ledger_shard_for(v_key));
  v_existing ledger_entries;
  v_ids bigint[];
  v_amounts bigint[];
  v_currencies text[];
  v_locked_ids bigint[] := '{}';
  v_versions bigint[] := '{}';
  v_balances bigint[] := '{}';
  v_leg record;
  v_account record;
  v_change bigint;
  v_short jsonb;
  v_entry_id bigint;
begin
  if v_phase not in ('final', 'pending') then
    raise exception 'phase must be final or pending, not %', v_phase using errcode = 'LD009';
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
    select id, kind, currency, platform_id, may_go_negative, balance, pending_out, version
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
    v_locked_ids := v_locked_ids || v_account.id;
    v_versions := v_versions || v_account.version;
    v_balances := v_balances || v_account.balance;
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
  values (v_platform, v_key, v_hash, p->>'kind', v_phase, p->>'escrowId',
          null, (p->>'reversesEntryId')::bigint, coalesce(p->'metadata', '{}'), now(), pg_current_xact_id())
  on conflict (platform_id, idempotency_key) do nothing
  returning id into v_entry_id;
  if v_entry_id is null then
    select * into v_existing from ledger_entries where platform_id = v_platform and idempotency_key = v_key;
    return ledger_replay(v_existing, v_hash, v_phase);
  end if;

  if v_phase = 'final' then
    -- Each posting carries the version and balance its account reaches with it.
    insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
    select v_entry_id, u.n - 1, u.id, u.currency, u.amount,
           l.version + row_number() over w, l.balance + (sum(u.amount) over w)::int8
      from unnest(v_ids, v_currencies, v_amounts) with ordinality as u(id, currency, amount, n)
      join unnest(v_locked_ids, v_versions, v_balances) as l(id, version, balance) on l.id = u.id
    window w as (partition by u.id order by u.n);
  else
    insert into ledger_pending_legs (entry_id, leg, account_id, currency, amount)
    select v_entry_id, u.n - 1, u.id, u.currency, u.amount
      from unnest(v_ids, v_currencies, v_amounts) with ordinality as u(id, currency, amount, n);
  end if;
  return jsonb_build_object('entryId', v_entry_id::text, 'created', true);
end
$$;

-- Group commit: many entries in one call and one transaction, each in its own subtransaction, so
-- one commit (one WAL flush, one round trip) serves them all and a refused entry is refused
-- alone. p: a JSON array of ledger_post payloads (0013). Returns an array in the same order:
-- ledger_post's result, or { error: { code, message, detail, constraint } } for a refused entry.
--
-- No two groups can deadlock: every group first creates the accounts it lacks in key order, then
-- locks all its accounts in id order, then claims its idempotency keys in key order; a group
-- waits only on groups that are further along that same order. A deadlock or serialization
-- failure is still raised for the whole group (the caller then posts its entries one by one).
create function ledger_post_group(p jsonb) returns jsonb
language plpgsql
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

  -- Entries in key order, each in a subtransaction. Its commit-time check (0012) runs at the end
  -- of its own subtransaction, so an entry it refuses is refused alone too. The same key twice
  -- in one group: the second replays the first.
  for v_entry in
    select g.value || jsonb_build_object('shard', v_shard) as payload, g.n
      from jsonb_array_elements(p) with ordinality as g(value, n)
     order by g.value->>'platformId', g.value->>'idempotencyKey', g.n
  loop
    begin
      v_results[v_entry.n] := ledger_post(v_entry.payload);
      set constraints ledger_entries_check immediate;
      set constraints ledger_entries_check deferred;
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
