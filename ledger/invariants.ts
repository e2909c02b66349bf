import { TERMINAL_STATUSES } from '../domain/lifecycle.js';
import type { Sql } from '../infra/db.js';

export interface Violation {
  rule: string;
  detail: string;
}

export interface LedgerCheckReport {
  ok: boolean;
  /** The rules that were checked. */
  rules: string[];
  violations: Violation[];
  /** Rules that could not be checked, and why. */
  skipped: Violation[];
  checkedAt: Date;
}

/** Violations listed per rule, at most. */
export const MAX_PER_RULE = 50;

/**
 * Proves the books right, from one consistent snapshot: every check recomputes from postings
 * what the posting path maintains incrementally. Safe to run against a live database.
 */
export async function checkLedger(sql: Sql): Promise<LedgerCheckReport> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const checkedAt = new Date();
    const violations: Violation[] = [];
    const skipped: Violation[] = [];
    const rules: string[] = [];
    const add = (rule: string, rows: Array<{ detail: string }>) => {
      rules.push(rule);
      for (const row of rows) violations.push({ rule, detail: row.detail });
    };

    add(
      'zero_sum',
      await tx<{ detail: string }[]>`
        select format('%s: postings sum to %s, not 0', currency, sum(amount)) as detail
          from ledger_postings group by currency having sum(amount) <> 0
        union all
        select format('%s: open reservations out %s ≠ in %s', currency, sum(pending_out), sum(pending_in))
          from ledger_accounts group by currency having sum(pending_out) <> sum(pending_in)
        limit ${MAX_PER_RULE}`,
    );

    add(
      'entry_balanced',
      await tx<{ detail: string }[]>`
        select format('entry %s (%s): %s leg(s), %s', e.id, e.phase, coalesce(n, 0), coalesce(sums, 'none')) as detail
          from ledger_entries e
          left join lateral (
            select sum(cnt) as n, string_agg(currency || ' ' || total, ', ') as sums,
                   bool_and(total = 0) as balanced
              from (
                select currency, count(*) as cnt, sum(amount) as total from ledger_postings
                 where entry_id = e.id and e.phase in ('final', 'post') group by currency
                union all
                select currency, count(*), sum(amount) from ledger_pending_legs
                 where entry_id = e.id and e.phase = 'pending' group by currency
              ) per_currency
          ) legs on true
         where case when e.phase = 'void' then coalesce(n, 0) <> 0 else coalesce(n, 0) < 2 or not balanced end
         limit ${MAX_PER_RULE}`,
    );

    add(
      'cached_balance',
      await tx<{ detail: string }[]>`
        select format('account %s (%s %s shard %s): cached balance %s version %s, postings sum %s count %s, versions %s..%s',
                      a.id, a.kind, a.currency, a.shard, a.balance, a.version,
                      coalesce(p.total, 0), coalesce(p.n, 0), p.min_v, p.max_v) as detail
          from ledger_accounts a
          left join (
            select account_id, sum(amount) as total, count(*) as n,
                   min(account_version) as min_v, max(account_version) as max_v
              from ledger_postings group by account_id
          ) p on p.account_id = a.id
         where a.balance <> coalesce(p.total, 0) or a.version <> coalesce(p.n, 0)
            or coalesce(p.max_v, 0) <> coalesce(p.n, 0) or coalesce(p.min_v, 1) <> 1
         limit ${MAX_PER_RULE}`,
    );

    add(
      'history_order',
      await tx<{ detail: string }[]>`
        select format('account %s: version %s (entry %s) follows entry %s', account_id, account_version,
                      entry_id, previous_entry) as detail
          from (
            select account_id, account_version, entry_id,
                   lag(entry_id) over (partition by account_id order by account_version) as previous_entry
              from ledger_postings
          ) h
         where previous_entry > entry_id
         limit ${MAX_PER_RULE}`,
    );

    add(
      'cached_reservation',
      await tx<{ detail: string }[]>`
        select format('account %s: cached pending out %s in %s, open pending legs out %s in %s',
                      a.id, a.pending_out, a.pending_in, coalesce(o.out_amount, 0), coalesce(o.in_amount, 0)) as detail
          from ledger_accounts a
          left join (
            select l.account_id, sum(greatest(-l.amount, 0)) as out_amount, sum(greatest(l.amount, 0)) as in_amount
              from ledger_pending_legs l
             where not exists (select from ledger_entries r where r.pending_entry_id = l.entry_id)
             group by l.account_id
          ) o on o.account_id = a.id
         where a.pending_out <> coalesce(o.out_amount, 0) or a.pending_in <> coalesce(o.in_amount, 0)
         limit ${MAX_PER_RULE}`,
    );

    add(
      'no_forbidden_negative',
      await tx<{ detail: string }[]>`
        select format('%s account %s (%s): balance %s, reserved %s, available %s',
                      a.kind, a.id, a.currency, a.balance, a.pending_out, a.balance - a.pending_out) as detail
          from ledger_accounts a
         where not a.may_go_negative and a.balance - a.pending_out < 0
         limit ${MAX_PER_RULE}`,
    );

    add(
      'pending_resolved_once',
      await tx<{ detail: string }[]>`
        select format('pending entry %s has %s resolutions: %s', r.pending_entry_id, count(*),
                      string_agg(r.phase || ' ' || r.id, ', ')) as detail
          from ledger_entries r where r.pending_entry_id is not null
         group by r.pending_entry_id having count(*) > 1
        union all
        select format('entry %s (%s) resolves entry %s, which is not pending', r.id, r.phase, r.pending_entry_id)
          from ledger_entries r join ledger_entries p on p.id = r.pending_entry_id
         where p.phase <> 'pending'
         limit ${MAX_PER_RULE}`,
    );

    const [escrowsTable] = await tx<{ exists: boolean }[]>`
      select to_regclass('public.escrows') is not null as exists`;
    if (escrowsTable?.exists) {
      add(
        'terminal_escrow_empty',
        await tx.unsafe<{ detail: string }[]>(
          `select format('escrow %s is %s but its holding account %s holds %s %s (reserved %s)',
                         e.id, e.status, a.id, a.balance, a.currency, a.pending_out) as detail
             from escrows e
             join ledger_accounts a on a.kind = 'escrow_holding' and a.escrow_id = e.id
            where e.status = any ($1::text[]) and (a.balance <> 0 or a.pending_out <> 0)
            limit ${MAX_PER_RULE}`,
          [TERMINAL_STATUSES],
        ),
      );
    } else {
      skipped.push({
        rule: 'terminal_escrow_empty',
        detail: 'no escrows table yet (migration 0020): nothing to compare holding accounts with',
      });
    }

    return { ok: violations.length === 0, rules, violations, skipped, checkedAt };
  });
}
