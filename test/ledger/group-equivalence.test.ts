// A group posts exactly what its entries posted one at a time, in key order, would: the same
// entries accepted, the same refusals, the same balances. Random groups of fundings, releases
// and refunds over a few escrows (some overdrawing one only after an earlier entry of the group,
// some reusing a key) go once through one group and once, in a second platform's accounts,
// entry by entry through postEntry's own transactions.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  type AccountRef,
  accountBalance,
  checkLedger,
  type EntryInput,
  postEntries,
  postEntry,
} from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();

const ESCROWS = 3;

interface Op {
  kind: 'funding' | 'release' | 'refund';
  escrow: number;
  amount: bigint;
  fee: bigint;
  /** Drawn from few enough that some entries share one (a conflict, unless a copy: a replay). */
  key: number;
}

const accounts = (world: string) => ({
  clearing: { kind: 'psp_clearing', currency: 'VND', provider: world } as AccountRef,
  holding: (e: number): AccountRef => ({
    kind: 'escrow_holding',
    escrowId: `esc_${world}_${e}`,
    currency: 'VND',
  }),
  payable: {
    kind: 'seller_payable',
    platformId: `plt_${world}`,
    sellerId: 'sel',
    currency: 'VND',
  } as AccountRef,
  refund: { kind: 'buyer_refund', platformId: `plt_${world}`, currency: 'VND' } as AccountRef,
  fees: { kind: 'platform_fee_revenue', platformId: `plt_${world}`, currency: 'VND' } as AccountRef,
});

function entryOf(world: string, op: Op): EntryInput {
  const a = accounts(world);
  const postings =
    op.kind === 'funding'
      ? [
          { account: a.clearing, amount: -op.amount },
          { account: a.holding(op.escrow), amount: op.amount },
        ]
      : op.kind === 'refund'
        ? [
            { account: a.holding(op.escrow), amount: -op.amount },
            { account: a.refund, amount: op.amount },
          ]
        : [
            { account: a.holding(op.escrow), amount: -op.amount },
            { account: a.payable, amount: op.amount - op.fee },
            ...(op.fee > 0n ? [{ account: a.fees, amount: op.fee }] : []),
          ];
  return {
    platformId: `plt_${world}`,
    // Padded: key order is then the same as text, in any collation, as in numbers.
    idempotencyKey: `k${String(op.key).padStart(2, '0')}`,
    kind: op.kind,
    postings,
  };
}

type Outcome = { created: boolean } | { refused: string };

const outcome = async (post: () => Promise<{ created: boolean }>): Promise<Outcome> => {
  try {
    return { created: (await post()).created };
  } catch (error) {
    return { refused: (error as Error).constructor.name };
  }
};

async function balances(world: string): Promise<bigint[]> {
  const a = accounts(world);
  const refs = [a.clearing, a.payable, a.refund, a.fees];
  for (let e = 0; e < ESCROWS; e++) refs.push(a.holding(e));
  return Promise.all(refs.map(async (ref) => (await accountBalance(db.sql, ref)).balance));
}

const opArb = fc
  .record({
    kind: fc.constantFrom('funding' as const, 'release' as const, 'refund' as const),
    escrow: fc.nat(ESCROWS - 1),
    amount: fc.bigInt({ min: 1n, max: 400n }),
    feePercent: fc.bigInt({ min: 0n, max: 10n }),
    key: fc.nat(40),
  })
  .map(({ feePercent, ...op }): Op => ({ ...op, fee: (op.amount * feePercent) / 100n }));

const seen = { wholeGroups: 0, refused: 0, replayed: 0 };
let runs = 0;

it('settles every entry of a group as posting them one by one in key order would', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.bigInt({ min: 0n, max: 2_000n }), { minLength: ESCROWS, maxLength: ESCROWS }),
      fc.array(opArb, { minLength: 2, maxLength: 8 }),
      fc.array(fc.nat(7), { maxLength: 1 }),
      async (funded, drawn, copies) => {
        const ops = [...drawn, ...copies.map((i) => drawn[i % drawn.length] as Op)];
        runs++;
        const [grouped, alone] = [`g${runs}`, `s${runs}`];
        for (const world of [grouped, alone]) {
          for (const [e, amount] of funded.entries()) {
            if (amount === 0n) continue;
            await postEntry(db.sql, {
              ...entryOf(world, { kind: 'funding', escrow: e, amount, fee: 0n, key: 0 }),
              idempotencyKey: `fund:${e}`,
            });
          }
        }

        const groupResults = await postEntries(
          db.sql,
          ops.map((op) => entryOf(grouped, op)),
        );
        const fromGroup = groupResults.map(
          (r): Outcome =>
            r.status === 'fulfilled'
              ? { created: r.value.created }
              : { refused: (r.reason as Error).constructor.name },
        );
        // One by one in the group's order: by key, and in submission order within a key.
        const byKey = ops
          .map((op, i) => ({ op, i }))
          .sort((x, y) => x.op.key - y.op.key || x.i - y.i);
        const fromAlone: Outcome[] = Array(ops.length);
        for (const { op, i } of byKey)
          fromAlone[i] = await outcome(() => postEntry(db.sql, entryOf(alone, op)));

        expect(fromGroup).toEqual(fromAlone);
        expect(await balances(grouped)).toEqual(await balances(alone));
        if (fromGroup.every((o) => 'created' in o && o.created)) seen.wholeGroups++;
        if (fromGroup.some((o) => 'refused' in o)) seen.refused++;
        if (fromGroup.some((o) => 'created' in o && !o.created)) seen.replayed++;
      },
    ),
    { numRuns: 60 },
  );
  expect((await checkLedger(db.sql)).violations).toEqual([]);
  for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0);
}, 120_000);
