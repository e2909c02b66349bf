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
begin
  -- First use of an account: create it now, in key order across the group. A creation that
  -- fails (unknown currency, escrow held in another currency) fails again, alone, in its
  -- entry's own subtransaction below.
  for v_leg in
    select l.leg, l.platform_id, l.entry_shard
      from (
        select leg.value as leg, g.value->>'platformId' as platform_id,
               ledger_shard_for(g.value->>'idempotencyKey') as entry_shard,
               ledger_ref_key(leg.value->>'kind', leg.value->>'currency', leg.value->>'platformId',
                 leg.value->>'escrowId', leg.value->>'sellerId', leg.value->>'provider') as ref_key,
               case when ledger_is_hot(leg.value->>'kind')
                 then ledger_shard_for(g.value->>'idempotencyKey') else 0 end as shard
          from jsonb_array_elements(p) g, jsonb_array_elements(g.value->'legs') leg
      ) l
     -- A scalar subquery, not NOT EXISTS: an anti-join would read the whole accounts index.
     where (select a.id from ledger_accounts a where a.ref_key = l.ref_key and a.shard = l.shard) is null
     order by l.ref_key, l.shard
  loop
    begin
      perform ledger_account_for(v_leg.leg, v_leg.platform_id, v_leg.entry_shard);
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
                and a.shard = case when ledger_is_hot(leg.value->>'kind')
                                then ledger_shard_for(g.value->>'idempotencyKey') else 0 end)
       from jsonb_array_elements(p) g, jsonb_array_elements(g.value->'legs') leg))
   order by id
     for update;

  -- Entries in key order, each in a subtransaction. Its commit-time check (0012) runs at the end
  -- of its own subtransaction, so an entry it refuses is refused alone too. The same key twice
  -- in one group: the second replays the first.
  for v_entry in
    select g.value as payload, g.n
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
