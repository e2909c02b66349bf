import { describe, expect, it } from 'vitest';
import {
  accountBalance,
  CurrencyMismatchError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidEntryError,
  type LedgerError,
  PlatformMismatchError,
  postEntry,
  reverseEntry,
  UnknownCurrencyError,
} from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';
import {
  fees,
  fund,
  holding,
  PLATFORM,
  payable,
  psp,
  refundable,
  rejection,
  release,
} from './helpers.js';

const db = useTestDatabase({ max: 25 });

const entryCount = async (key: string) =>
  (
    await db.sql<
      { n: number }[]
    >`select count(*)::int as n from ledger_entries where idempotency_key = ${key}`
  )[0]?.n;

describe('postEntry', () => {
  it('moves money with the documented signs: funding, release with fee, refund', async () => {
    await fund(db.sql, 'esc_signs', 100_000n);
    await release(db.sql, 'esc_signs', 'sel_signs', 60_000n, 3_000n);
    await postEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'refund:esc_signs',
      kind: 'refund',
      postings: [
        { account: holding('esc_signs'), amount: -40_000n },
        { account: refundable(), amount: 40_000n },
      ],
    });
    expect((await accountBalance(db.sql, holding('esc_signs'))).balance).toBe(0n);
    expect((await accountBalance(db.sql, payable('sel_signs'))).balance).toBe(57_000n);
    expect((await accountBalance(db.sql, fees())).balance).toBe(3_000n);
    expect((await accountBalance(db.sql, refundable())).balance).toBe(40_000n);
    expect((await accountBalance(db.sql, psp())).balance).toBe(-100_000n);
  });

  it('replays a repeated request and moves nothing; a different request under the key conflicts', async () => {
    const first = await fund(db.sql, 'esc_idem', 5_000n);
    const again = await fund(db.sql, 'esc_idem', 5_000n);
    expect(first.created).toBe(true);
    expect(again).toEqual({ entryId: first.entryId, created: false });
    expect((await accountBalance(db.sql, holding('esc_idem'))).balance).toBe(5_000n);

    const conflict = await rejection(() => fund(db.sql, 'esc_idem', 5_001n));
    expect(conflict).toBeInstanceOf(IdempotencyConflictError);
    expect((conflict as IdempotencyConflictError).existingEntryId).toBe(first.entryId);
    expect((conflict as LedgerError).code).toBe('LEDGER_IDEMPOTENCY_CONFLICT');
    const otherMetadata = await rejection(() =>
      postEntry(db.sql, {
        platformId: PLATFORM,
        idempotencyKey: 'fund:esc_idem',
        kind: 'funding',
        postings: [
          { account: psp(), amount: -5_000n },
          { account: holding('esc_idem'), amount: 5_000n },
        ],
        metadata: { attempt: 2 },
      }),
    );
    expect(otherMetadata).toBeInstanceOf(IdempotencyConflictError);
    expect(await entryCount('fund:esc_idem')).toBe(1);
  });

  it('scopes idempotency keys per platform', async () => {
    const a = await fund(db.sql, 'esc_scope_a', 10n, { key: 'same-key', platformId: 'plt_a' });
    const b = await fund(db.sql, 'esc_scope_b', 10n, { key: 'same-key', platformId: 'plt_b' });
    expect(a.created && b.created).toBe(true);
    expect(a.entryId).not.toBe(b.entryId);
  });

  it('makes 50 concurrent posts with one key into exactly one entry', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => fund(db.sql, 'esc_50', 777n)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(await entryCount('fund:esc_50')).toBe(1);
    expect((await accountBalance(db.sql, holding('esc_50'))).balance).toBe(777n);
  });

  it('lets exactly one of two concurrent releases empty a holding account', async () => {
    await fund(db.sql, 'esc_race', 9_000n);
    const results = await Promise.allSettled([
      release(db.sql, 'esc_race', 'sel_a', 9_000n, 100n, 'release:a'),
      release(db.sql, 'esc_race', 'sel_b', 9_000n, 100n, 'release:b'),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = lost[0]?.reason as InsufficientFundsError;
    expect(error).toBeInstanceOf(InsufficientFundsError);
    expect(error).toMatchObject({
      code: 'LEDGER_INSUFFICIENT_FUNDS',
      accountKind: 'escrow_holding',
      currency: 'VND',
      available: 0n,
      requested: 9_000n,
    });
    expect((await accountBalance(db.sql, holding('esc_race'))).balance).toBe(0n);
  });

  it('reports an overdraft with the account and the amounts', async () => {
    await fund(db.sql, 'esc_short', 500n);
    const error = await rejection(() => release(db.sql, 'esc_short', 'sel_short', 501n, 0n));
    expect(error).toBeInstanceOf(InsufficientFundsError);
    expect(error).toMatchObject({
      accountKind: 'escrow_holding',
      available: 500n,
      requested: 501n,
    });
    expect(await entryCount('release:esc_short')).toBe(0);
  });

  it('lets hot accounts go negative, spread over shards that add up', async () => {
    for (let i = 0; i < 40; i++) await fund(db.sql, `esc_hot_${i}`, 10n);
    const [row] = await db.sql<{ shards: number }[]>`
      select count(*)::int as shards from ledger_accounts where kind = 'psp_clearing' and currency = 'VND'`;
    expect(row?.shards).toBeGreaterThan(1);
    const sum = await db.sql<{ total: bigint }[]>`
      select sum(amount)::int8 as total from ledger_postings p
        join ledger_accounts a on a.id = p.account_id where a.kind = 'psp_clearing' and a.currency = 'VND'`;
    expect((await accountBalance(db.sql, psp())).balance).toBe(sum[0]?.total);
  });

  it('refuses unknown currencies, a second currency for an escrow, and another platform’s accounts', async () => {
    expect(await rejection(() => fund(db.sql, 'esc_xxx', 1n, { currency: 'XXX' }))).toBeInstanceOf(
      UnknownCurrencyError,
    );
    await fund(db.sql, 'esc_vnd', 1_000n);
    const mismatch = await rejection(() =>
      fund(db.sql, 'esc_vnd', 1n, { currency: 'USD', key: 'usd' }),
    );
    expect(mismatch).toBeInstanceOf(CurrencyMismatchError);
    expect((mismatch as LedgerError).code).toBe('LEDGER_CURRENCY_MISMATCH');
    const foreign = await rejection(() =>
      fund(db.sql, 'esc_vnd', 1n, { platformId: 'plt_intruder', key: 'steal' }),
    );
    expect(foreign).toBeInstanceOf(PlatformMismatchError);
    const foreignPayable = await rejection(() =>
      postEntry(db.sql, {
        platformId: 'plt_intruder',
        idempotencyKey: 'steal-payable',
        kind: 'adjustment',
        postings: [
          { account: payable('sel_signs'), amount: -1n },
          { account: psp(), amount: 1n },
        ],
      }),
    );
    expect(foreignPayable).toBeInstanceOf(PlatformMismatchError);
  });

  it('refuses malformed entries before they reach the database', async () => {
    const base = { platformId: PLATFORM, idempotencyKey: 'bad', kind: 'adjustment' as const };
    const cases = [
      { ...base, postings: [{ account: psp(), amount: 1n }] },
      {
        ...base,
        postings: [
          { account: psp(), amount: -2n },
          { account: fees(), amount: 1n },
        ],
      },
      {
        ...base,
        postings: [
          { account: psp(), amount: 0n },
          { account: fees(), amount: 0n },
        ],
      },
      {
        ...base,
        postings: [
          { account: psp(), amount: -1 as unknown as bigint },
          { account: fees(), amount: 1 as unknown as bigint },
        ],
      },
      {
        ...base,
        escrowId: 'esc_other',
        postings: [
          { account: holding('esc_one'), amount: -1n },
          { account: fees(), amount: 1n },
        ],
      },
      { ...base, idempotencyKey: '', postings: [] },
    ];
    for (const input of cases) {
      const error = await rejection(() => postEntry(db.sql, input));
      expect(error).toBeInstanceOf(InvalidEntryError);
      expect((error as LedgerError).code).toBe('LEDGER_INVALID_ENTRY');
    }
  });

  it('posts inside a caller’s transaction: the entry commits or rolls back with the caller’s rows', async () => {
    await db.sql.begin(async (tx) => {
      await fund(tx, 'esc_tx', 300n);
      await tx`create temporary table tx_marker (n int) on commit drop`;
    });
    expect((await accountBalance(db.sql, holding('esc_tx'))).balance).toBe(300n);

    const failed = await rejection(() =>
      db.sql.begin(async (tx) => {
        await release(tx, 'esc_tx', 'sel_tx', 100n, 0n);
        throw new Error('caller gives up');
      }),
    );
    expect(String(failed)).toMatch(/caller gives up/);
    expect((await accountBalance(db.sql, holding('esc_tx'))).balance).toBe(300n);

    const short = await rejection(() =>
      db.sql.begin((tx) => release(tx, 'esc_tx', 'sel_tx', 301n, 0n)),
    );
    expect(short).toBeInstanceOf(InsufficientFundsError);
    expect(await entryCount('release:esc_tx')).toBe(0);
  });

  it('corrects an entry with its reversal, at most once', async () => {
    await fund(db.sql, 'esc_rev', 2_000n);
    const entry = await release(db.sql, 'esc_rev', 'sel_rev', 2_000n, 200n);
    const reversal = await reverseEntry(db.sql, {
      platformId: PLATFORM,
      entryId: entry.entryId,
      idempotencyKey: 'reverse:esc_rev',
    });
    expect(reversal.created).toBe(true);
    expect((await accountBalance(db.sql, holding('esc_rev'))).balance).toBe(2_000n);
    expect((await accountBalance(db.sql, payable('sel_rev'))).balance).toBe(0n);
    const twice = await rejection(() =>
      reverseEntry(db.sql, {
        platformId: PLATFORM,
        entryId: entry.entryId,
        idempotencyKey: 'reverse-again',
      }),
    );
    expect(twice).toBeInstanceOf(InvalidEntryError);
    expect(String(twice)).toMatch(/already reversed/);
    const replay = await reverseEntry(db.sql, {
      platformId: PLATFORM,
      entryId: entry.entryId,
      idempotencyKey: 'reverse:esc_rev',
    });
    expect(replay).toEqual({ entryId: reversal.entryId, created: false });
  });
});
