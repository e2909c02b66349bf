// Every rule the database enforces, attacked with raw SQL as the application connects (its role,
// escrow_app): the ledger's TypeScript is not in the way. The role can write the ledger's tables
// only through the posting functions, and they check every request, whatever a client sends.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../infra/db.js';
import { accountColumns } from '../../ledger/accounts.js';
import {
  type AccountRef,
  accountBalance,
  checkLedger,
  createPendingEntry,
} from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';
import { fund, holding, PLATFORM, payable, psp, rejection } from './helpers.js';

const db = useTestDatabase();

const pgCode = (error: unknown): string | undefined => (error as { code?: string }).code;

const leg = (account: AccountRef, amount: bigint | string): Leg => ({
  ...accountColumns(account),
  amount: String(amount),
});

type Leg = Record<string, string | undefined>;

/** A ledger_post payload as a client could send it, valid unless a test changes it. */
function payload(key: string, legs: Leg[], extra: Record<string, unknown> = {}) {
  return {
    platformId: PLATFORM,
    idempotencyKey: key,
    requestHash: '00'.repeat(32),
    kind: 'adjustment',
    phase: 'final',
    escrowId: 'esc_rules',
    metadata: {},
    legs,
    ...extra,
  };
}

const rawPost = (sql: Sql, body: Record<string, unknown>) =>
  sql`select ledger_post(${sql.json(body as never)}) as result`;

const entryCount = async () => {
  const [row] = await db.ownerSql<{ n: number }[]>`select count(*)::int as n from ledger_entries`;
  return row?.n ?? 0;
};

let holdingId = 0n;

beforeAll(async () => {
  await fund(db.sql, 'esc_rules', 1000n);
  await fund(db.sql, 'esc_usd', 500n, { currency: 'USD' });
  const [row] = await db.sql<{ id: bigint }[]>`
    select id from ledger_accounts where escrow_id = 'esc_rules'`;
  holdingId = row?.id ?? 0n;
});

describe('the application role', () => {
  it('cannot write the ledger tables: no INSERT, UPDATE, DELETE or TRUNCATE', async () => {
    const before = await entryCount();
    const attempts = [
      db.sql`insert into ledger_entries (platform_id, idempotency_key, request_hash, kind, phase)
             values (${PLATFORM}, 'by-hand', sha256('x'), 'adjustment', 'final')`,
      db.sql`insert into ledger_postings (entry_id, leg, account_id, currency, amount, account_version, balance_after)
             values (1, 9, ${String(holdingId)}::int8, 'VND', 1, 99, 99)`,
      db.sql`insert into ledger_pending_legs (entry_id, leg, account_id, currency, amount)
             values (1, 9, ${String(holdingId)}::int8, 'VND', 1)`,
      db.sql`insert into ledger_accounts (kind, currency, platform_id, escrow_id, ref_key, may_go_negative)
             values ('escrow_holding', 'VND', ${PLATFORM}, 'esc_rich', 'x', true)`,
      db.sql`update ledger_accounts set balance = balance + 1000 where id = ${String(holdingId)}::int8`,
      db.sql`update ledger_accounts set pending_out = 0`,
      db.sql`update ledger_postings set amount = amount * 2`,
      db.sql`update ledger_entries set kind = 'adjustment'`,
      db.sql`delete from ledger_postings`,
      db.sql`delete from ledger_entries`,
      db.sql`delete from ledger_accounts`,
      db.sql`truncate ledger_postings cascade`,
      db.sql`insert into currencies (code, exponent) values ('XXX', 0)`,
      db.sql`update currencies set exponent = 2 where code = 'VND'`,
      db.sql`delete from schema_migrations`,
    ];
    for (const attempt of attempts) {
      expect(pgCode(await rejection(() => attempt))).toBe('42501');
    }
    expect(await entryCount()).toBe(before);
    expect((await accountBalance(db.sql, holding('esc_rules'))).balance).toBe(1000n);
  });

  it('cannot call the owner’s helpers that write without the checks', async () => {
    const openAccount = await rejection(
      () =>
        db.sql`select ledger_account_for(${db.sql.json(leg(holding('esc_x'), 1n) as never)}, ${PLATFORM}, 0::int2)`,
    );
    expect(pgCode(openAccount)).toBe('42501');
    const writePostings = await rejection(
      () =>
        db.sql`select ledger_write_postings(1, array[${String(holdingId)}::int8], array['VND'], array[1000000::int8])`,
    );
    expect(pgCode(writePostings)).toBe('42501');
  });

  it('cannot stand a temporary table of its own in for a ledger table', async () => {
    await db.sql.begin(async (tx) => {
      await tx`create temporary table ledger_entries (like public.ledger_entries) on commit drop`;
      await tx`select ledger_post(${tx.json(
        payload('temp-shadow', [leg(holding('esc_rules'), -1n), leg(psp(), 1n)]) as never,
      )})`;
      const [shadow] = await tx<
        { n: number }[]
      >`select count(*)::int as n from pg_temp.ledger_entries`;
      expect(shadow?.n).toBe(0);
    });
    const [real] = await db.ownerSql<{ n: number }[]>`
      select count(*)::int as n from ledger_entries where idempotency_key = 'temp-shadow'`;
    expect(real?.n).toBe(1);
  });

  // CREATE OR REPLACE drops the settings of the function it replaces: a later migration that
  // redefines an entry point must fix its search path again.
  it('finds every function that runs as the owner with its search path fixed', async () => {
    const definers = await db.ownerSql<{ name: string; config: string[] | null }[]>`
      select p.oid::regprocedure::text as name, p.proconfig as config
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where p.prosecdef and n.nspname = current_schema() order by 1`;
    expect(definers.map((d) => d.name)).toEqual(
      expect.arrayContaining(['ledger_post(jsonb)', 'ledger_post_group(jsonb)']),
    );
    for (const { name, config } of definers) {
      expect(config, name).toContainEqual(expect.stringMatching(/^search_path=.*pg_temp$/));
    }
  });
});

describe('ledger_post checks every request itself', () => {
  const refused: [string, Record<string, unknown>, string, RegExp?][] = [
    [
      'postings that do not sum to zero',
      payload('unbalanced', [leg(psp(), -10n), leg(holding('esc_rules'), 9n)]),
      'LD103',
      /does not sum to zero: VND -1/,
    ],
    ['one leg', payload('one-leg', [leg(psp(), 5n)]), 'LD103', /1 leg\(s\)/],
    ['no legs', payload('no-legs', []), 'LD103'],
    ['a zero leg', payload('zero-leg', [leg(psp(), 0n), leg(holding('esc_rules'), 0n)]), 'LD103'],
    [
      'a VND leg paying for a USD leg',
      payload('cross-currency', [
        leg(holding('esc_rules'), -5n),
        leg(holding('esc_usd', 'USD'), 5n),
      ]),
      'LD103',
    ],
    [
      'the holding account of another escrow',
      payload('foreign-holding', [leg(holding('esc_usd', 'USD'), -5n), leg(psp('USD'), 5n)]),
      'LD103',
      /other than its own/,
    ],
    [
      'an unknown entry kind',
      payload('gift', [leg(psp(), 1n), leg(holding('esc_rules'), -1n)], { kind: 'gift' }),
      'LD103',
    ],
    [
      'an unknown account kind',
      payload('vault', [
        { kind: 'vault', currency: 'VND', platformId: PLATFORM, amount: '1' },
        leg(holding('esc_rules'), -1n),
      ]),
      'LD101',
    ],
    [
      'a seller account without a seller',
      payload('no-seller', [
        { kind: 'seller_payable', currency: 'VND', platformId: PLATFORM, amount: '1' },
        leg(holding('esc_rules'), -1n),
      ]),
      'LD101',
    ],
    [
      'a resolution phase',
      payload('post-phase', [leg(psp(), 1n), leg(holding('esc_rules'), -1n)], { phase: 'post' }),
      'LD009',
    ],
    [
      'a reversal of an entry that does not exist',
      payload('reverse-ghost', [leg(psp(), 1n), leg(holding('esc_rules'), -1n)], {
        kind: 'reversal',
        reversesEntryId: '987654321',
      }),
      'LD102',
    ],
    [
      'a reversal that is not of kind reversal',
      payload('reverse-as-release', [leg(psp(), 1n), leg(holding('esc_rules'), -1n)], {
        kind: 'release',
        reversesEntryId: '1',
      }),
      'LD103',
    ],
    [
      'an amount beyond int8',
      payload('huge', [
        leg(psp(), '-9223372036854775808'),
        leg(holding('esc_rules'), '9223372036854775808'),
      ]),
      '22003',
    ],
  ];

  for (const [what, body, code, message] of refused) {
    it(`refuses ${what}, and writes nothing`, async () => {
      const before = await entryCount();
      const error = await rejection(() => rawPost(db.sql, body));
      expect(pgCode(error)).toBe(code);
      if (message) expect(String(error)).toMatch(message);
      expect(await entryCount()).toBe(before);
    });
  }

  it('refuses a reversal of a pending entry', async () => {
    await fund(db.sql, 'esc_pending_rev', 50n);
    const pending = await createPendingEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'pending-to-reverse',
      kind: 'payout',
      postings: [
        { account: holding('esc_pending_rev'), amount: -50n },
        { account: psp(), amount: 50n },
      ],
    });
    const error = await rejection(() =>
      rawPost(
        db.sql,
        payload('reverse-pending', [leg(psp(), -50n), leg(holding('esc_pending_rev'), 50n)], {
          kind: 'reversal',
          escrowId: 'esc_pending_rev',
          reversesEntryId: pending.entryId,
        }),
      ),
    );
    expect(pgCode(error)).toBe('LD102');
  });

  it('accepts a balanced entry sent by hand, and keeps the cached balance and history in step', async () => {
    const before = (await accountBalance(db.sql, holding('esc_rules'))).balance;
    await rawPost(db.sql, payload('by-hand', [leg(psp(), 7n), leg(holding('esc_rules'), -7n)]));
    expect((await accountBalance(db.sql, holding('esc_rules'))).balance).toBe(before - 7n);
    const [history] = await db.sql<{ version: bigint; balance: bigint; last: bigint }[]>`
      select a.version, a.balance,
             (select p.balance_after from ledger_postings p
               where p.account_id = a.id order by p.account_version desc limit 1) as last
        from ledger_accounts a where a.id = ${String(holdingId)}::int8`;
    expect(history?.last).toBe(history?.balance);
  });
});

describe('no overdraft', () => {
  it('refuses an entry sent by hand that takes a holding account below zero', async () => {
    const before = (await accountBalance(db.sql, holding('esc_rules'))).balance;
    const error = await rejection(() =>
      rawPost(
        db.sql,
        payload('overdraft', [leg(holding('esc_rules'), -(before + 1n)), leg(psp(), before + 1n)]),
      ),
    );
    expect(pgCode(error)).toBe('LD001');
    expect((await accountBalance(db.sql, holding('esc_rules'))).balance).toBe(before);
  });

  it('holds under concurrent withdrawals of the whole balance', async () => {
    await fund(db.sql, 'esc_race', 100n);
    const withdraw = (key: string) =>
      rawPost(
        db.sql,
        payload(key, [leg(holding('esc_race'), -100n), leg(psp(), 100n)], { escrowId: 'esc_race' }),
      );
    const results = await Promise.allSettled([withdraw('race-a'), withdraw('race-b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(pgCode(failure.reason)).toBe('LD001');
    expect((await accountBalance(db.sql, holding('esc_race'))).balance).toBe(0n);
  });

  it('counts reservations: a pending payout cannot be spent twice', async () => {
    await fund(db.sql, 'esc_reserve', 300n);
    await rawPost(
      db.sql,
      payload('reserve-by-hand', [leg(holding('esc_reserve'), -300n), leg(psp(), 300n)], {
        phase: 'pending',
        kind: 'payout',
        escrowId: 'esc_reserve',
      }),
    );
    expect((await accountBalance(db.sql, holding('esc_reserve'))).available).toBe(0n);
    const error = await rejection(() =>
      rawPost(
        db.sql,
        payload('spend-reserved', [leg(holding('esc_reserve'), -1n), leg(psp(), 1n)], {
          escrowId: 'esc_reserve',
        }),
      ),
    );
    expect(pgCode(error)).toBe('LD001');
  });
});

describe('two-phase entries', () => {
  it('are resolved at most once, and never settle more than they reserved', async () => {
    await fund(db.sql, 'esc_pay', 400n);
    await rawPost(
      db.sql,
      payload('rules-release', [leg(holding('esc_pay'), -400n), leg(payable('sel_rules'), 400n)], {
        kind: 'release',
        escrowId: 'esc_pay',
      }),
    );
    const pending = await createPendingEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'rules-payout',
      kind: 'payout',
      postings: [
        { account: payable('sel_rules'), amount: -300n },
        { account: psp(), amount: 300n },
      ],
    });
    const resolve = (key: string, action: 'post' | 'void', amount?: bigint) =>
      db.sql`select ledger_resolve(${db.sql.json({
        pendingEntryId: pending.entryId,
        idempotencyKey: key,
        requestHash: '00'.repeat(32),
        action,
        ...(amount === undefined ? {} : { amount: String(amount) }),
        metadata: {},
      } as never)})`;
    expect(pgCode(await rejection(() => resolve('rules-post-too-much', 'post', 301n)))).toBe(
      'LD007',
    );
    await resolve('rules-void', 'void');
    expect(pgCode(await rejection(() => resolve('rules-post-after-void', 'post', 100n)))).toBe(
      'LD006',
    );
    const payableNow = await accountBalance(db.sql, payable('sel_rules'));
    expect(payableNow.balance).toBe(400n);
    expect(payableNow.available).toBe(400n);
  });
});

describe('append-only, even for the tables’ owner', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of postings, entries, accounts and currencies', async () => {
    const owner = db.ownerSql;
    const attempts = [
      owner`update ledger_postings set amount = amount * 2`,
      owner`delete from ledger_postings`,
      owner`update ledger_entries set kind = 'adjustment'`,
      owner`delete from ledger_entries`,
      owner`truncate ledger_postings cascade`,
      owner`truncate ledger_entries cascade`,
      owner`update currencies set exponent = 2 where code = 'VND'`,
      owner`delete from ledger_accounts`,
    ];
    for (const attempt of attempts) {
      expect(pgCode(await rejection(() => attempt))).toBe('LD100');
    }
  });
});

describe('after every attack above', () => {
  it('the ledger passes its invariant check', async () => {
    const report = await checkLedger(db.sql);
    expect(report.violations).toEqual([]);
  });
});
