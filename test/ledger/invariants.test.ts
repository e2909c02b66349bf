// The invariant check must pass on an honest ledger and catch every kind of corruption. The
// application's role cannot write the ledger's tables, so the corruptions are made as their
// owner, with its remaining rules switched off.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql, Tx } from '../../infra/db.js';
import { checkLedger, createPendingEntry, voidPendingEntry } from '../../ledger/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fund, PLATFORM, payable, psp, release } from './helpers.js';

const run = promisify(execFile);

let clean: TestDatabase;
let db: TestDatabase;
/** The corrupted database, as its owner. */
let sql: Sql;

/** Runs statements with triggers and foreign keys off (CHECK constraints still apply). */
const unguarded = (statements: (tx: Tx) => Promise<unknown>) =>
  sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await statements(tx);
  });

const rulesViolated = async () => new Set((await checkLedger(sql)).violations.map((v) => v.rule));

async function seed(target: Sql) {
  await fund(target, 'esc_a', 1_000n);
  await fund(target, 'esc_b', 2_000n);
  await release(target, 'esc_a', 'sel_1', 1_000n, 50n);
  const pending = await createPendingEntry(target, {
    platformId: PLATFORM,
    idempotencyKey: 'payout',
    kind: 'payout',
    postings: [
      { account: payable('sel_1'), amount: -500n },
      { account: psp(), amount: 500n },
    ],
  });
  return pending.entryId;
}

async function ledgerCheckScript(url: string) {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/ledger-check.ts'], {
      env: { ...process.env, DATABASE_URL: url },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

let pendingId = '';
beforeAll(async () => {
  [clean, db] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  sql = db.ownerSql;
  await seed(clean.sql);
  pendingId = await seed(db.sql);
});
afterAll(async () => {
  await Promise.all([clean?.drop(), db?.drop()]);
});

describe('checkLedger', () => {
  it('passes on an honest ledger and lists what it checked', async () => {
    const report = await checkLedger(sql);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.rules).toEqual([
      'zero_sum',
      'entry_balanced',
      'cached_balance',
      'history_order',
      'cached_reservation',
      'no_forbidden_negative',
      'pending_resolved_once',
      'terminal_escrow_empty',
    ]);
  });

  it('catches a posting without its counterpart', async () => {
    await unguarded(async (tx) => {
      const [entry] = await tx<{ id: bigint }[]>`
        insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase)
        values (${PLATFORM}, 'orphan', sha256('orphan'), 'adjustment', 'final') returning id`;
      await tx`
        insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
        select ${String(entry?.id)}::int8, 0, id, currency, 5, version + 1, balance + 5
          from ledger_accounts where kind = 'platform_fee_revenue' limit 1`;
    });
    const rules = await rulesViolated();
    expect(rules).toContain('zero_sum');
    expect(rules).toContain('entry_balanced');
    expect(rules).toContain('cached_balance');
  });

  it('catches a cached balance edited by hand, and a reservation that matches no pending entry', async () => {
    await unguarded(async (tx) => {
      await tx`update ledger_accounts set balance = balance + 1 where kind = 'seller_payable'`;
      await tx`update ledger_accounts set pending_in = pending_in + 7 where kind = 'psp_clearing'`;
    });
    const report = await checkLedger(sql);
    expect(
      report.violations.some((v) => v.rule === 'cached_balance' && /seller_payable/.test(v.detail)),
    ).toBe(true);
    expect(report.violations.map((v) => v.rule)).toContain('cached_reservation');
  });

  it('catches history written out of order', async () => {
    expect(await rulesViolated()).not.toContain('history_order');
    await unguarded(async (tx) => {
      const entries = await tx<{ id: bigint }[]>`
        insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase)
        values (${PLATFORM}, 'late-1', sha256('late-1'), 'adjustment', 'final'),
               (${PLATFORM}, 'late-2', sha256('late-2'), 'adjustment', 'final')
        returning id`;
      const [older, newer] = entries.map((e) => String(e.id));
      await tx`
        insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
        select ${newer ?? ''}::int8, 0, id, currency, 1, version + 1, balance + 1
          from ledger_accounts where kind = 'escrow_holding' and escrow_id = 'esc_b'
        union all
        select ${older ?? ''}::int8, 0, id, currency, -1, version + 2, balance
          from ledger_accounts where kind = 'escrow_holding' and escrow_id = 'esc_b'`;
    });
    expect(await rulesViolated()).toContain('history_order');
  });

  it('catches a guarded account below zero', async () => {
    expect(await rulesViolated()).not.toContain('no_forbidden_negative');
    await sql`alter table ledger_accounts drop constraint ledger_accounts_no_overdraft`;
    await unguarded(
      (tx) =>
        tx`update ledger_accounts set pending_out = balance + 1 where kind = 'seller_payable'`,
    );
    expect(await rulesViolated()).toContain('no_forbidden_negative');
  });

  it('catches a pending entry resolved twice', async () => {
    expect(await rulesViolated()).not.toContain('pending_resolved_once');
    await voidPendingEntry(sql, { pendingEntryId: pendingId, idempotencyKey: 'void-1' });
    await sql`drop index ledger_entries_one_resolution`;
    await unguarded(
      (tx) => tx`
        insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, pending_entry_id)
        values (${PLATFORM}, 'void-2', sha256('void-2'), 'payout', 'void', ${pendingId}::int8)`,
    );
    expect(await rulesViolated()).toContain('pending_resolved_once');
  });

  it('catches money left in the holding account of a finished escrow, when escrows exist', async () => {
    expect(await rulesViolated()).not.toContain('terminal_escrow_empty');
    await sql`
      insert into escrows (id, platform_id, reference, buyer_id, seller_id, amount, currency, status,
                           last_seq, view, created_at, updated_at)
      values ('esc_b', ${PLATFORM}, 'order-b', 'buyer', 'sel_2', 2000, 'VND', 'released', 1, '{}', now(), now()),
             ('esc_a', ${PLATFORM}, 'order-a', 'buyer', 'sel_1', 1000, 'VND', 'released', 1, '{}', now(), now())`;
    const report = await checkLedger(sql);
    const terminal = report.violations.filter((v) => v.rule === 'terminal_escrow_empty');
    expect(terminal).toHaveLength(1);
    expect(terminal[0]?.detail).toMatch(/escrow esc_b is released/);

    await sql`drop table escrows cascade`;
    const without = await checkLedger(sql);
    expect(without.rules).not.toContain('terminal_escrow_empty');
    expect(without.skipped.map((s) => s.rule)).toEqual(['terminal_escrow_empty']);
  });
});

describe('npm run ledger:check', () => {
  it('exits 0 with a readable report on an honest ledger, and 1 listing the violations otherwise', async () => {
    const ok = await ledgerCheckScript(clean.url);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/: OK/);
    const bad = await ledgerCheckScript(db.url);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/VIOLATIONS/);
    expect(bad.stdout).toMatch(/✗ zero_sum/);
    expect(bad.stdout).toMatch(/✗ pending_resolved_once/);
  });
});
