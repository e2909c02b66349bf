// Many entries at once over a ring of accounts, each listing its legs in a random order: entries
// that share accounts must queue, never deadlock, and never surface a retryable database error.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createSql } from '../../infra/db.js';
import {
  type AccountRef,
  accountBalance,
  checkLedger,
  InsufficientFundsError,
  type Posting,
  postEntry,
} from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();

/**
 * Deadlocks Postgres detected in this database. A backend reports its counts when it exits, so
 * the writers run on their own pool, closed before this is read.
 */
async function deadlocks(): Promise<bigint> {
  const [row] = await db.sql<{ deadlocks: bigint }[]>`
    select deadlocks from pg_stat_database where datname = current_database()`;
  return row?.deadlocks ?? 0n;
}

const RING = 6;
const START = 1_000n;

const entryArb = fc.record({
  from: fc.nat(RING - 1),
  amount: fc.bigInt({ min: 2n, max: 600n }),
  fee: fc.bigInt({ min: 0n, max: 20n }),
  /** Sort keys that shuffle the legs. */
  order: fc.array(fc.double({ noNaN: true }), { minLength: 4, maxLength: 4 }),
});

let round = 0;
it('queues entries over shared accounts without deadlocks; every refusal is an insufficient-funds one', async () => {
  const deadlocksBefore = await deadlocks();
  await fc.assert(
    fc.asyncProperty(fc.array(entryArb, { minLength: 40, maxLength: 80 }), async (entries) => {
      round++;
      const platformId = `plt_ring_${round}`;
      const seller = (i: number): AccountRef => ({
        kind: 'seller_payable',
        platformId,
        sellerId: `sel_${i % RING}`,
        currency: 'VND',
      });
      const feeRevenue: AccountRef = { kind: 'platform_fee_revenue', platformId, currency: 'VND' };
      const clearing: AccountRef = { kind: 'psp_clearing', currency: 'VND' };
      for (let i = 0; i < RING; i++) {
        await postEntry(db.sql, {
          platformId,
          idempotencyKey: `seed:${i}`,
          kind: 'adjustment',
          postings: [
            { account: clearing, amount: -START },
            { account: seller(i), amount: START },
          ],
        });
      }

      // Each entry takes from one seller and pays the next two and the (hot) fee account.
      const legsOf = (e: (typeof entries)[number]): Posting[] => {
        const half = e.amount / 2n;
        const legs: Posting[] = [
          { account: seller(e.from), amount: -(e.amount + e.fee) },
          { account: seller(e.from + 1), amount: half },
          { account: seller(e.from + 2), amount: e.amount - half },
        ];
        if (e.fee > 0n) legs.push({ account: feeRevenue, amount: e.fee });
        return legs
          .map((leg, i) => ({ leg, sortKey: e.order[i] ?? 0 }))
          .sort((a, b) => a.sortKey - b.sortKey)
          .map(({ leg }) => leg);
      };
      const writers = createSql(db.url, { max: 20, applicationName: 'ledger-ring' });
      const outcomes = await Promise.allSettled(
        entries.map((e, i) =>
          postEntry(writers, {
            platformId,
            idempotencyKey: `ring:${i}`,
            kind: 'adjustment',
            postings: legsOf(e),
          }),
        ),
      );
      await writers.end();
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected')
          expect(outcome.reason).toBeInstanceOf(InsufficientFundsError);
      }

      // The books equal the seed plus exactly the entries that went through.
      const expected = Array.from({ length: RING }, () => START);
      let fees = 0n;
      outcomes.forEach((outcome, i) => {
        const e = entries[i];
        if (outcome.status !== 'fulfilled' || !e) return;
        for (const { account, amount } of legsOf(e)) {
          if (account.kind === 'seller_payable') {
            const index = Number(account.sellerId.slice(4));
            expected[index] = (expected[index] ?? 0n) + amount;
          } else fees += amount;
        }
      });
      for (let i = 0; i < RING; i++)
        expect((await accountBalance(db.sql, seller(i))).balance).toBe(expected[i]);
      expect((await accountBalance(db.sql, feeRevenue)).balance).toBe(fees);
      expect((await checkLedger(db.sql)).violations).toEqual([]);
    }),
    { numRuns: 8 },
  );
  // Retries would hide a deadlock from the callers: Postgres must not have seen any. Each
  // writer flushed its counts before its socket closed, which `writers.end()` awaited.
  expect(await deadlocks()).toBe(deadlocksBefore);
}, 120_000);
