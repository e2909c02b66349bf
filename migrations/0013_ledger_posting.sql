-- The posting path: one function call (one round trip, one transaction) per entry. Error codes
-- LD0xx are business outcomes that ledger/errors.ts turns into typed errors.
--
-- The two entry points, ledger_post and ledger_resolve, set the planner for everything they run,
-- triggers included: every statement reaches a few rows by key, so with enable_seqscan off each
-- plan is an index probe whatever the statistics said when it was cached (a new ledger's tables
-- look empty, and plans outlive that), and with generic plans nothing is planned again per call.

-- Hot accounts: an entry uses the shard its idempotency key hashes to, so a retried request
-- lands on the same rows.
create function ledger_shard_for(key text) returns smallint
language sql immutable parallel safe
return (((hashtextextended(key, 0) % ledger_hot_shards()) + ledger_hot_shards()) % ledger_hot_shards())::smallint;

-- Same key and same request: the original entry, nothing moves. Same key, other request: conflict.
create function ledger_replay(p_entry ledger_entries, p_hash bytea, p_phase text) returns jsonb
language plpgsql as $$
begin
  if p_entry.request_hash = p_hash and p_entry.phase = p_phase then
    return jsonb_build_object('entryId', p_entry.id::text, 'created', false);
  end if;
  raise exception 'idempotency key % of platform % was already used for another request (entry %)',
    p_entry.idempotency_key, p_entry.platform_id, p_entry.id
    using errcode = 'LD002', detail = jsonb_build_object('entryId', p_entry.id::text)::text;
end
$$;

-- The account a leg refers to, created on first use.
create function ledger_account_for(p_leg jsonb, p_platform_id text, p_shard smallint) returns bigint
language plpgsql as $$
declare
  v_kind text := p_leg->>'kind';
  v_currency text := p_leg->>'currency';
  v_platform text := case v_kind
    when 'escrow_holding' then p_platform_id
    when 'psp_clearing' then null
    else p_leg->>'platformId' end;
  v_escrow text := p_leg->>'escrowId';
  v_key text := ledger_ref_key(v_kind, v_currency, v_platform, v_escrow, p_leg->>'sellerId', p_leg->>'provider');
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
  values (v_kind, v_currency, v_platform, v_escrow, p_leg->>'sellerId', p_leg->>'provider', v_shard,
          v_key, ledger_is_hot(v_kind))
  on conflict (ref_key, shard) do nothing
  returning id into v_id;
  if v_id is null then
    select id into v_id from ledger_accounts where ref_key = v_key and shard = v_shard;
  end if;
  return v_id;
end
$$;

-- Posts a final entry or creates a pending one. p: { platformId, idempotencyKey, requestHash (hex
-- sha-256), kind, phase: final|pending, escrowId?, reversesEntryId?, metadata, legs: [{ kind,
-- currency, platformId?, escrowId?, sellerId?, provider?, amount (text) }] }.
create function ledger_post(p jsonb) returns jsonb
language plpgsql
set enable_seqscan = off set plan_cache_mode = force_generic_plan as $$
declare
  v_platform text := p->>'platformId';
  v_key text := p->>'idempotencyKey';
  v_hash bytea := decode(p->>'requestHash', 'hex');
  v_phase text := p->>'phase';
  v_shard smallint := ledger_shard_for(v_key);
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

-- Resolves a pending entry once: post (all, or part of a two-leg entry) or void. p: {
-- pendingEntryId, idempotencyKey, requestHash, action: post|void, amount?, metadata }.
create function ledger_resolve(p jsonb) returns jsonb
language plpgsql
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
  v_locked_ids bigint[];
  v_versions bigint[];
  v_balances bigint[];
  v_entry_id bigint;
begin
  if v_action not in ('post', 'void') then
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

  select array_agg(id), array_agg(version), array_agg(balance)
    into v_locked_ids, v_versions, v_balances
    from (select id, version, balance from ledger_accounts where id = any (v_ids) order by id for update) locked;
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
  if v_action = 'post' then
    -- Each posting carries the version and balance its account reaches with it.
    insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
    select v_entry_id, u.n - 1, u.id, u.currency, u.amount,
           l.version + row_number() over w, l.balance + (sum(u.amount) over w)::int8
      from unnest(v_ids, v_currencies, v_amounts) with ordinality as u(id, currency, amount, n)
      join unnest(v_locked_ids, v_versions, v_balances) as l(id, version, balance) on l.id = u.id
    window w as (partition by u.id order by u.n);
  end if;
  return jsonb_build_object('entryId', v_entry_id::text, 'created', true);
end
$$;
