// Every rule the database enforces, attacked with raw SQL: the ledger's code is not in the way.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../../infra/db.js';
import { accountBalance, createPendingEntry, postEntry } from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';
import { fund, holding, PLATFORM, payable, psp, rejection } from './helpers.js';

const db = useTestDatabase();
let pspId: bigint;
let holdingId: bigint;
let usdHoldingId: bigint;

async function accountId(ref: { kind: string; escrow_id?: string; currency: string }) {
  const [row] = await db.sql<{ id: bigint }[]>`
    select id from ledger_accounts
     where kind = ${ref.kind} and currency = ${ref.currency}
       and (${ref.escrow_id ?? null}::text is null or escrow_id = ${ref.escrow_id ?? null})
     order by id limit 1`;
  if (!row) throw new Error('no such account');
  return row.id;
}

async function insertEntry(
  tx: Tx,
  key: string,
  extra: { phase?: string; pending?: bigint; escrowId?: string } = {},
) {
  const [row] = await tx<{ id: bigint }[]>`
    insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, escrow_id, pending_entry_id)
    values (${PLATFORM}, ${key}, sha256(${key}::bytea), 'adjustment', ${extra.phase ?? 'final'},
            ${extra.escrowId ?? 'esc_rules'}, ${extra.pending === undefined ? null : String(extra.pending)}::int8)
    returning id`;
  if (!row) throw new Error('no entry');
  return row.id;
}

/** A posting that continues its account's history correctly, so only the rule under test can fail. */
async function insertPosting(
  tx: Tx,
  entryId: bigint,
  leg: number,
  account: bigint,
  amount: bigint,
  currency?: string,
) {
  await tx`
    insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
    select ${String(entryId)}::int8, ${leg}, id, coalesce(${currency ?? null}, currency), ${String(amount)}::int8,
           version + 1, balance + ${String(amount)}::int8
      from ledger_accounts where id = ${String(account)}::int8`;
}

function pgCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

beforeAll(async () => {
  await fund(db.sql, 'esc_rules', 1000n);
  await fund(db.sql, 'esc_usd', 500n, { currency: 'USD' });
  pspId = await accountId({ kind: 'psp_clearing', currency: 'VND' });
  holdingId = await accountId({ kind: 'escrow_holding', escrow_id: 'esc_rules', currency: 'VND' });
  usdHoldingId = await accountId({ kind: 'escrow_holding', escrow_id: 'esc_usd', currency: 'USD' });
});

describe('entries balance', () => {
  it('rejects an entry whose postings do not sum to zero', async () => {
    const error = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'unbalanced');
        await insertPosting(tx, entry, 0, pspId, -10n);
        await insertPosting(tx, entry, 1, holdingId, 9n);
      }),
    );
    expect(pgCode(error)).toBe('LD103');
    expect(String(error)).toMatch(/does not sum to zero: VND -1/);
  });

  it('rejects a one-legged entry, and an entry without postings', async () => {
    const oneLeg = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'one-leg');
        await insertPosting(tx, entry, 0, pspId, 5n);
      }),
    );
    expect(pgCode(oneLeg)).toBe('LD103');
    expect(String(oneLeg)).toMatch(/1 leg\(s\)/);
    const none = await rejection(() => db.sql.begin((tx) => insertEntry(tx, 'no-legs')));
    expect(pgCode(none)).toBe('LD103');
  });

  it('balances per currency: a VND leg cannot pay for a USD leg', async () => {
    const error = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'cross-currency');
        await insertPosting(tx, entry, 0, holdingId, -5n);
        await insertPosting(tx, entry, 1, usdHoldingId, 5n);
      }),
    );
    expect(pgCode(error)).toBe('LD103');
  });

  it('rejects an unknown kind, and a resolution that names no pending entry', async () => {
    const unknownKind = await rejection(() =>
      db.sql.begin(async (tx) => {
        const [row] = await tx<{ id: bigint }[]>`
          insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, escrow_id)
          values (${PLATFORM}, 'gift', sha256('gift'), 'gift', 'final', 'esc_rules') returning id`;
        await insertPosting(tx, row?.id ?? 0n, 0, pspId, 1n);
        await insertPosting(tx, row?.id ?? 0n, 1, holdingId, -1n);
      }),
    );
    expect(pgCode(unknownKind)).toBe('LD103');
    const postOfNothing = await rejection(() =>
      db.sql.begin((tx) => insertEntry(tx, 'post-nothing', { phase: 'void' })),
    );
    expect(pgCode(postOfNothing)).toBe('LD103');
  });

  it('accepts a balanced entry written by hand, and keeps the cached balance in step', async () => {
    await db.sql.begin(async (tx) => {
      const entry = await insertEntry(tx, 'balanced-by-hand');
      await insertPosting(tx, entry, 0, pspId, 7n);
      await insertPosting(tx, entry, 1, holdingId, -7n);
    });
    expect((await accountBalance(db.sql, holding('esc_rules'))).balance).toBe(993n);
  });
});

describe('postings', () => {
  it('must be in their account currency', async () => {
    const error = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'wrong-currency');
        await insertPosting(tx, entry, 0, pspId, -3n, 'USD');
        await insertPosting(tx, entry, 1, holdingId, 3n, 'USD');
      }),
    );
    expect(pgCode(error)).toBe('LD004');
  });

  it('must continue their account history: no skipped version, no made-up balance', async () => {
    const skipped = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'skipped-version');
        await tx`
          insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
          select ${String(entry)}::int8, 0, id, currency, 1, version + 2, balance + 1
            from ledger_accounts where id = ${String(holdingId)}::int8`;
      }),
    );
    expect(pgCode(skipped)).toBe('LD102');
    const madeUp = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'made-up-balance');
        await tx`
          insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
          select ${String(entry)}::int8, 0, id, currency, 1, version + 1, balance + 1000
            from ledger_accounts where id = ${String(holdingId)}::int8`;
      }),
    );
    expect(pgCode(madeUp)).toBe('LD102');
  });

  it('cannot be added to an entry committed earlier', async () => {
    let entry = 0n;
    await db.sql.begin(async (tx) => {
      entry = await insertEntry(tx, 'committed');
      await insertPosting(tx, entry, 0, pspId, 2n);
      await insertPosting(tx, entry, 1, holdingId, -2n);
    });
    const later = await rejection(() =>
      db.sql.begin(async (tx) => {
        await insertPosting(tx, entry, 2, pspId, 1n);
        await insertPosting(tx, entry, 3, holdingId, -1n);
      }),
    );
    expect(pgCode(later)).toBe('LD102');
  });

  it('must name an existing account', async () => {
    const error = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'ghost-account');
        await tx`
          insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
          values (${String(entry)}::int8, 0, 987654321, 'VND', 1, 1, 1)`;
      }),
    );
    expect(pgCode(error)).toBe('LD102');
  });
});

describe('append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of postings, entries and currencies', async () => {
    const attempts = [
      db.sql`update ledger_postings set amount = amount * 2`,
      db.sql`delete from ledger_postings`,
      db.sql`update ledger_entries set kind = 'adjustment'`,
      db.sql`delete from ledger_entries`,
      db.sql`truncate ledger_postings cascade`,
      db.sql`truncate ledger_entries cascade`,
      db.sql`update currencies set exponent = 2 where code = 'VND'`,
      db.sql`delete from ledger_accounts`,
    ];
    for (const attempt of attempts) {
      expect(pgCode(await rejection(() => attempt))).toBe('LD100');
    }
    const [{ n } = { n: 0 }] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from ledger_postings`;
    expect(n).toBeGreaterThan(0);
  });
});

describe('cached balances', () => {
  it('cannot be set directly', async () => {
    for (const attempt of [
      db.sql`update ledger_accounts set balance = balance + 1000 where id = ${String(holdingId)}::int8`,
      db.sql`update ledger_accounts set version = version + 1 where id = ${String(holdingId)}::int8`,
      db.sql`update ledger_accounts set pending_out = 0, pending_in = 5`,
      db.sql`update ledger_accounts set kind = 'psp_clearing' where id = ${String(holdingId)}::int8`,
    ]) {
      expect(pgCode(await rejection(() => attempt))).toBe('LD101');
    }
    const opened = await rejection(
      () => db.sql`
        insert into ledger_accounts (kind, currency, platform_id, escrow_id, ref_key, may_go_negative, balance)
        values ('escrow_holding', 'VND', ${PLATFORM}, 'esc_rich', 'x', true, 1000000)`,
    );
    expect(pgCode(opened)).toBe('LD101');
  });
});

describe('no overdraft', () => {
  it('refuses a hand-written entry that takes a holding account below zero', async () => {
    const before = (await accountBalance(db.sql, holding('esc_rules'))).balance;
    const error = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'overdraft');
        await insertPosting(tx, entry, 0, holdingId, -(before + 1n));
        await insertPosting(tx, entry, 1, pspId, before + 1n);
      }),
    );
    expect(pgCode(error)).toBe('23514');
    expect((error as { constraint_name?: string }).constraint_name).toBe(
      'ledger_accounts_no_overdraft',
    );
  });

  it('holds under concurrent hand-written withdrawals of the whole balance', async () => {
    await fund(db.sql, 'esc_race', 100n);
    const raceHolding = await accountId({
      kind: 'escrow_holding',
      escrow_id: 'esc_race',
      currency: 'VND',
    });
    const withdraw = (key: string) =>
      db.sql.begin(async (tx) => {
        const [entry] = await tx<{ id: bigint }[]>`
          insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, escrow_id)
          values (${PLATFORM}, ${key}, sha256(${key}::bytea), 'adjustment', 'final', 'esc_race') returning id`;
        // Both read the same version and balance; neither locks first.
        await tx`select pg_sleep(0.05)`;
        await insertPosting(tx, entry?.id ?? 0n, 0, raceHolding, -100n);
        await insertPosting(tx, entry?.id ?? 0n, 1, pspId, 100n);
      });
    const results = await Promise.allSettled([withdraw('race-a'), withdraw('race-b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(['23514', '23505', 'LD102']).toContain(pgCode(failure.reason));
    expect((await accountBalance(db.sql, holding('esc_race'))).balance).toBe(0n);
  });

  it('counts reservations: a pending payout cannot be spent twice', async () => {
    await fund(db.sql, 'esc_reserve', 300n);
    await db.sql.begin(async (tx) => {
      const entry = await insertEntry(tx, 'reserve-by-hand', {
        phase: 'pending',
        escrowId: 'esc_reserve',
      });
      const escrowHolding = await accountId({
        kind: 'escrow_holding',
        escrow_id: 'esc_reserve',
        currency: 'VND',
      });
      await tx`
        insert into ledger_pending_legs (entry_id, leg, account_id, currency, amount)
        values (${String(entry)}::int8, 0, ${String(escrowHolding)}::int8, 'VND', -300),
               (${String(entry)}::int8, 1, ${String(pspId)}::int8, 'VND', 300)`;
    });
    expect((await accountBalance(db.sql, holding('esc_reserve'))).available).toBe(0n);
    const error = await rejection(() =>
      db.sql.begin(async (tx) => {
        const entry = await insertEntry(tx, 'spend-reserved', { escrowId: 'esc_reserve' });
        const escrowHolding = await accountId({
          kind: 'escrow_holding',
          escrow_id: 'esc_reserve',
          currency: 'VND',
        });
        await insertPosting(tx, entry, 0, escrowHolding, -1n);
        await insertPosting(tx, entry, 1, pspId, 1n);
      }),
    );
    expect(pgCode(error)).toBe('23514');
  });
});

describe('two-phase entries', () => {
  it('are resolved at most once, and never settle more than they reserved', async () => {
    await fund(db.sql, 'esc_pay', 400n);
    await postEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'rules-release',
      kind: 'release',
      postings: [
        { account: holding('esc_pay'), amount: -400n },
        { account: payable('sel_rules'), amount: 400n },
      ],
    });
    const pending = await createPendingEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'rules-payout',
      kind: 'payout',
      postings: [
        { account: payable('sel_rules'), amount: -300n },
        { account: psp(), amount: 300n },
      ],
    });
    const [legs] = await db.sql<{ payable: bigint; clearing: bigint }[]>`
      select min(account_id) filter (where amount < 0) as payable, min(account_id) filter (where amount > 0) as clearing
        from ledger_pending_legs where entry_id = ${pending.entryId}::int8`;
    const resolve = (key: string, phase: 'post' | 'void', amount: bigint) =>
      db.sql.begin(async (tx) => {
        const [entry] = await tx<{ id: bigint }[]>`
          insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase, pending_entry_id)
          values (${PLATFORM}, ${key}, sha256(${key}::bytea), 'payout', ${phase}, ${pending.entryId}::int8)
          returning id`;
        if (phase === 'post' && entry && legs) {
          const rows = [
            [0, legs.payable, -amount],
            [1, legs.clearing, amount],
          ] as const;
          for (const [leg, account, value] of rows) {
            await tx`
              insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
              select ${String(entry.id)}::int8, ${leg}, id, currency, ${String(value)}::int8, version + 1,
                     balance + ${String(value)}::int8
                from ledger_accounts where id = ${String(account)}::int8`;
          }
        }
      });
    expect(pgCode(await rejection(() => resolve('rules-post-too-much', 'post', 301n)))).toBe(
      'LD103',
    );
    await resolve('rules-void', 'void', 0n);
    const again = await rejection(() => resolve('rules-post-after-void', 'post', 100n));
    expect(pgCode(again)).toBe('23505');
    expect((again as { constraint_name?: string }).constraint_name).toBe(
      'ledger_entries_one_resolution',
    );
  });
});
