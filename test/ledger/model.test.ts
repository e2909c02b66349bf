// Model-based test: random sequences of escrow money movements run against the real ledger and
// against a few lines of in-memory bookkeeping. After every step the ledger must have accepted
// exactly what the model accepts, hold the balances the model holds, and pass checkLedger.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Sql } from '../../infra/db.js';
import {
  type AccountRef,
  accountBalance,
  checkLedger,
  createPendingEntry,
  type EntryResult,
  IdempotencyConflictError,
  InsufficientFundsError,
  PendingAlreadyResolvedError,
  postEntry,
  postPendingEntry,
  voidPendingEntry,
} from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();

const ESCROWS = 3;
const SELLERS = 2;

interface Payout {
  entryId: string;
  seller: number;
  amount: bigint;
  resolved: boolean;
}

/** A request that succeeded, to send again: the replay must return the same entry. */
interface Done {
  send: () => Promise<EntryResult>;
  conflicting: () => Promise<EntryResult>;
  entryId: string;
}

class Model {
  holding = Array<bigint>(ESCROWS).fill(0n);
  payable = Array<bigint>(SELLERS).fill(0n);
  reserved = Array<bigint>(SELLERS).fill(0n);
  refund = 0n;
  fees = 0n;
  clearing = 0n;
  clearingPendingIn = 0n;
  payouts: Payout[] = [];
  done: Done[] = [];
  step = 0;
  constructor(readonly run: string) {}
  get platformId() {
    return `plt_${this.run}`;
  }
  key(what: string) {
    this.step++;
    return `${what}:${this.step}`;
  }
  refs() {
    const platformId = this.platformId;
    return {
      clearing: { kind: 'psp_clearing', currency: 'VND', provider: this.run } as AccountRef,
      holding: (e: number): AccountRef => ({
        kind: 'escrow_holding',
        escrowId: `esc_${this.run}_${e}`,
        currency: 'VND',
      }),
      payable: (s: number): AccountRef => ({
        kind: 'seller_payable',
        platformId,
        sellerId: `sel_${s}`,
        currency: 'VND',
      }),
      refund: { kind: 'buyer_refund', platformId, currency: 'VND' } as AccountRef,
      fees: { kind: 'platform_fee_revenue', platformId, currency: 'VND' } as AccountRef,
    };
  }
}

interface Real {
  sql: Sql;
}

/** What the runs exercised, so a run that tests nothing cannot pass unnoticed. */
const seen = { accepted: 0, rejected: 0, replayed: 0, conflicted: 0, resolved: 0 };

/** Posts an entry; the model says whether it must succeed. On success it becomes replayable. */
async function expectPost(
  model: Model,
  accept: boolean,
  send: () => Promise<EntryResult>,
  conflicting: () => Promise<EntryResult>,
  rejectedWith: new (...args: never[]) => Error,
) {
  if (!accept) {
    await expect(send()).rejects.toBeInstanceOf(rejectedWith);
    seen.rejected++;
    return false;
  }
  const result = await send();
  seen.accepted++;
  expect(result.created).toBe(true);
  model.done.push({ send, conflicting, entryId: result.entryId });
  return result;
}

async function assertMatches(model: Model) {
  const r = model.refs();
  const balance = async (ref: AccountRef) => accountBalance(db.sql, ref);
  for (let e = 0; e < ESCROWS; e++)
    expect((await balance(r.holding(e))).balance).toBe(model.holding[e]);
  for (let s = 0; s < SELLERS; s++) {
    expect(await balance(r.payable(s))).toMatchObject({
      balance: model.payable[s],
      pendingOut: model.reserved[s],
    });
  }
  expect((await balance(r.refund)).balance).toBe(model.refund);
  expect((await balance(r.fees)).balance).toBe(model.fees);
  expect(await balance(r.clearing)).toMatchObject({
    balance: model.clearing,
    pendingIn: model.clearingPendingIn,
  });
  const report = await checkLedger(db.sql);
  expect(report.violations).toEqual([]);
}

type Cmd = fc.AsyncCommand<Model, Real>;
const base = { check: () => true };

const fundCmd = (e: number, amount: bigint): Cmd => ({
  ...base,
  toString: () => `fund(e${e}, ${amount})`,
  async run(m) {
    const r = m.refs();
    const key = m.key('fund');
    const post = (value: bigint) => () =>
      postEntry(db.sql, {
        platformId: m.platformId,
        idempotencyKey: key,
        kind: 'funding',
        postings: [
          { account: r.clearing, amount: -value },
          { account: r.holding(e), amount: value },
        ],
      });
    if (await expectPost(m, true, post(amount), post(amount + 1n), Error)) {
      m.clearing -= amount;
      m.holding[e] = (m.holding[e] ?? 0n) + amount;
    }
    await assertMatches(m);
  },
});

/** Amounts are drawn as a share of what the model holds (up to 120%: some must be refused). */
const share = (held: bigint, percent: bigint) => (held * percent) / 100n || percent;

const releaseCmd = (e: number, s: number, percent: bigint, feePercent: bigint): Cmd => ({
  ...base,
  toString: () => `release(e${e} → s${s}, ${percent}% of held, fee ${feePercent}%)`,
  async run(m) {
    const r = m.refs();
    const key = m.key('release');
    const amount = share(m.holding[e] ?? 0n, percent);
    const fee = (amount * feePercent) / 100n;
    const post = (value: bigint) => () =>
      postEntry(db.sql, {
        platformId: m.platformId,
        idempotencyKey: key,
        kind: 'release',
        postings: [
          { account: r.holding(e), amount: -value },
          { account: r.payable(s), amount: value - fee },
          ...(fee > 0n ? [{ account: r.fees, amount: fee }] : []),
        ],
      });
    const accept = (m.holding[e] ?? 0n) >= amount && amount > fee;
    if (amount <= fee) return; // not a meaningful release; the generator rarely makes one
    if (await expectPost(m, accept, post(amount), post(amount + 1n), InsufficientFundsError)) {
      m.holding[e] = (m.holding[e] ?? 0n) - amount;
      m.payable[s] = (m.payable[s] ?? 0n) + amount - fee;
      m.fees += fee;
    }
    await assertMatches(m);
  },
});

/** percent null: refund everything held (a full refund). */
const refundCmd = (e: number, percent: bigint | null): Cmd => ({
  ...base,
  toString: () => `refund(e${e}, ${percent === null ? 'all' : `${percent}% of held`})`,
  async run(m) {
    const r = m.refs();
    const held = m.holding[e] ?? 0n;
    const value = percent === null ? held : share(held, percent);
    if (value === 0n) return;
    const key = m.key('refund');
    const post = (v: bigint) => () =>
      postEntry(db.sql, {
        platformId: m.platformId,
        idempotencyKey: key,
        kind: 'refund',
        postings: [
          { account: r.holding(e), amount: -v },
          { account: r.refund, amount: v },
        ],
      });
    if (
      await expectPost(
        m,
        (m.holding[e] ?? 0n) >= value,
        post(value),
        post(value + 1n),
        InsufficientFundsError,
      )
    ) {
      m.holding[e] = (m.holding[e] ?? 0n) - value;
      m.refund += value;
    }
    await assertMatches(m);
  },
});

const payoutCmd = (s: number, percent: bigint): Cmd => ({
  ...base,
  toString: () => `payout(s${s}, ${percent}% of available)`,
  async run(m) {
    const r = m.refs();
    const key = m.key('payout');
    const amount = share((m.payable[s] ?? 0n) - (m.reserved[s] ?? 0n), percent);
    const reserve = (v: bigint) => () =>
      createPendingEntry(db.sql, {
        platformId: m.platformId,
        idempotencyKey: key,
        kind: 'payout',
        postings: [
          { account: r.payable(s), amount: -v },
          { account: r.clearing, amount: v },
        ],
      });
    const available = (m.payable[s] ?? 0n) - (m.reserved[s] ?? 0n);
    const result = await expectPost(
      m,
      available >= amount,
      reserve(amount),
      reserve(amount + 1n),
      InsufficientFundsError,
    );
    if (result) {
      m.reserved[s] = (m.reserved[s] ?? 0n) + amount;
      m.clearingPendingIn += amount;
      m.payouts.push({ entryId: result.entryId, seller: s, amount, resolved: false });
    }
    await assertMatches(m);
  },
});

/** part null: post in full. */
const resolveCmd = (index: number, action: 'post' | 'void', part: bigint | null): Cmd => ({
  ...base,
  toString: () => `${action}(payout #${index}${part === null ? '' : `, part ${part}%`})`,
  async run(m) {
    const payout = m.payouts[index % Math.max(1, m.payouts.length)];
    if (!payout) return;
    const key = m.key(action);
    const amount = part === null ? undefined : (payout.amount * part) / 100n || 1n;
    const send = (as: 'post' | 'void') => () =>
      as === 'post'
        ? postPendingEntry(db.sql, { pendingEntryId: payout.entryId, idempotencyKey: key, amount })
        : voidPendingEntry(db.sql, { pendingEntryId: payout.entryId, idempotencyKey: key });
    // Under the same key, the other resolution is a different request.
    const resolved = await expectPost(
      m,
      !payout.resolved,
      send(action),
      send(action === 'post' ? 'void' : 'post'),
      PendingAlreadyResolvedError,
    );
    if (resolved) {
      seen.resolved++;
      payout.resolved = true;
      m.reserved[payout.seller] = (m.reserved[payout.seller] ?? 0n) - payout.amount;
      m.clearingPendingIn -= payout.amount;
      if (action === 'post') {
        const moved = amount ?? payout.amount;
        m.payable[payout.seller] = (m.payable[payout.seller] ?? 0n) - moved;
        m.clearing += moved;
      }
    }
    await assertMatches(m);
  },
});

/** Sends an earlier successful request again (nothing moves), or another under its key (conflict). */
const duplicateCmd = (index: number, conflicting: boolean): Cmd => ({
  ...base,
  toString: () => `${conflicting ? 'conflict' : 'duplicate'}(#${index})`,
  async run(m) {
    const done = m.done[index % Math.max(1, m.done.length)];
    if (!done) return;
    if (conflicting) {
      await expect(done.conflicting()).rejects.toBeInstanceOf(IdempotencyConflictError);
      seen.conflicted++;
    } else {
      expect(await done.send()).toEqual({ entryId: done.entryId, created: false });
      seen.replayed++;
    }
    await assertMatches(m);
  },
});

const amount = fc.bigInt({ min: 1n, max: 2_000n });
const percent = fc.bigInt({ min: 1n, max: 120n });
const fundArb = fc.tuple(fc.nat(ESCROWS - 1), amount).map(([e, a]) => fundCmd(e, a));
const payoutArb = fc.tuple(fc.nat(SELLERS - 1), percent).map(([s, p]) => payoutCmd(s, p));
const resolveArb = fc
  .tuple(
    fc.nat(20),
    fc.constantFrom('post' as const, 'void' as const),
    fc.option(fc.bigInt({ min: 1n, max: 100n }), { nil: null }),
  )
  .map(([i, action, part]) => resolveCmd(i, action, part));
// Listed twice: more funded escrows, and payouts to settle, make longer money paths.
const commands = [
  fundArb,
  fundArb,
  payoutArb,
  resolveArb,
  fc
    .tuple(fc.nat(ESCROWS - 1), fc.nat(SELLERS - 1), percent, fc.bigInt({ min: 0n, max: 20n }))
    .map(([e, s, p, f]) => releaseCmd(e, s, p, f)),
  fc.tuple(fc.nat(ESCROWS - 1), fc.option(percent, { nil: null })).map(([e, p]) => refundCmd(e, p)),
  payoutArb,
  resolveArb,
  fc.tuple(fc.nat(50), fc.boolean()).map(([i, conflicting]) => duplicateCmd(i, conflicting)),
];

let runs = 0;
it('accepts exactly what the model accepts, and stays consistent after every step', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { size: 'large', maxCommands: 40 }), async (cmds) => {
      runs++;
      const setup = () => ({ model: new Model(`m${runs}`), real: { sql: db.sql } });
      await fc.asyncModelRun(setup, cmds);
    }),
    { numRuns: 30 },
  );
  for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
}, 120_000);
