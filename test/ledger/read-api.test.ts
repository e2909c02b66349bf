import { describe, expect, it } from 'vitest';
import {
  accountBalance,
  accountHistory,
  CURRENCY_EXPONENTS,
  createPendingEntry,
  escrowMoneySummary,
  formatMinorUnits,
  listCurrencies,
  postEntry,
  postPendingEntry,
} from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';
import { fees, fund, holding, PLATFORM, payable, psp, refundable, release } from './helpers.js';

const db = useTestDatabase();

describe('currencies', () => {
  it('seeds ISO 4217 exponents, the same in the database and in code', async () => {
    const rows = await listCurrencies(db.sql);
    expect(Object.fromEntries(rows.map((r) => [r.code, r.exponent]))).toEqual(CURRENCY_EXPONENTS);
    expect(CURRENCY_EXPONENTS).toMatchObject({
      VND: 0,
      USD: 2,
      JPY: 0,
      KRW: 0,
      KWD: 3,
      BHD: 3,
      IDR: 2,
    });
    expect(formatMinorUnits(12_345n, 'USD')).toBe('123.45');
    expect(formatMinorUnits(-5n, 'KWD')).toBe('-0.005');
    expect(formatMinorUnits(1_500_000n, 'VND')).toBe('1500000');
  });
});

describe('escrowMoneySummary', () => {
  it('follows an escrow through funding, a split release and refund, and the payout', async () => {
    expect(await escrowMoneySummary(db.sql, 'esc_sum')).toBeNull();
    await fund(db.sql, 'esc_sum', 1_000_000n);
    await release(db.sql, 'esc_sum', 'sel_sum', 600_000n, 30_000n);
    await postEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'refund:esc_sum',
      kind: 'refund',
      postings: [
        { account: holding('esc_sum'), amount: -400_000n },
        { account: refundable(), amount: 400_000n },
      ],
    });
    const payout = await createPendingEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'payout:esc_sum',
      kind: 'payout',
      escrowId: 'esc_sum',
      postings: [
        { account: payable('sel_sum'), amount: -570_000n },
        { account: psp(), amount: 570_000n },
      ],
    });
    expect((await escrowMoneySummary(db.sql, 'esc_sum'))?.paidOut).toBe(0n);
    await postPendingEntry(db.sql, {
      pendingEntryId: payout.entryId,
      idempotencyKey: 'payout:esc_sum:done',
    });
    expect(await escrowMoneySummary(db.sql, 'esc_sum')).toEqual({
      currency: 'VND',
      funded: 1_000_000n,
      held: 0n,
      released: 600_000n,
      refunded: 400_000n,
      fees: 30_000n,
      paidOut: 570_000n,
    });
  });
});

describe('accountHistory', () => {
  it('pages through an account newest first, with gap-free versions and running balances', async () => {
    await fund(db.sql, 'esc_hist', 10n, { key: 'hist:0' });
    for (let i = 1; i <= 6; i++) await fund(db.sql, 'esc_hist', BigInt(i), { key: `hist:${i}` });
    await release(db.sql, 'esc_hist', 'sel_hist', 5n, 0n);

    const seen = [];
    let cursor: string | null = null;
    do {
      const page = await accountHistory(db.sql, holding('esc_hist'), { limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((i) => i.version)).toEqual([8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n]);
    expect(seen.map((i) => i.amount)).toEqual([-5n, 6n, 5n, 4n, 3n, 2n, 1n, 10n]);
    expect(seen[0]).toMatchObject({
      entryKind: 'release',
      balanceAfter: 26n,
      escrowId: 'esc_hist',
    });
    expect(seen.at(-1)).toMatchObject({ entryKind: 'funding', balanceAfter: 10n });
    expect((await accountBalance(db.sql, holding('esc_hist'))).balance).toBe(26n);
  });

  it('merges the shards of a hot account by entry, without repeats or gaps', async () => {
    const before = (await accountHistory(db.sql, fees(), { limit: 1000 })).items.length;
    for (let i = 0; i < 12; i++) {
      await fund(db.sql, `esc_fee_${i}`, 100n);
      await release(db.sql, `esc_fee_${i}`, 'sel_fee', 100n, BigInt(i + 1));
    }
    const all = [];
    let cursor: string | null = null;
    do {
      const page = await accountHistory(db.sql, fees(), { limit: 5, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(before + 12);
    expect(new Set(all.map((i) => i.shard)).size).toBeGreaterThan(1);
    const entryIds = all.map((i) => BigInt(i.entryId));
    expect(entryIds).toEqual([...entryIds].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    expect(all.slice(0, 12).map((i) => i.amount)).toEqual(
      Array.from({ length: 12 }, (_, i) => BigInt(12 - i)),
    );
    expect(all.reduce((sum, i) => sum + i.amount, 0n)).toBe(
      (await accountBalance(db.sql, fees())).balance,
    );
  });

  it('reads an account never used as empty', async () => {
    expect(await accountHistory(db.sql, payable('sel_nobody'))).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(await accountBalance(db.sql, payable('sel_nobody'))).toMatchObject({
      balance: 0n,
      available: 0n,
    });
  });
});
