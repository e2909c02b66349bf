import { describe, expect, it } from 'vitest';
import {
  accountBalance,
  createPendingEntry,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidEntryError,
  PendingAlreadyResolvedError,
  PendingAmountExceededError,
  PendingEntryNotFoundError,
  postEntry,
  postPendingEntry,
  voidPendingEntry,
} from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';
import { fees, fund, PLATFORM, payable, psp, rejection, release } from './helpers.js';

const db = useTestDatabase({ max: 12 });

/** A seller with `amount` payable, and a pending payout of `payout` of it. */
async function sellerWithPendingPayout(seller: string, amount: bigint, payout: bigint) {
  await fund(db.sql, `esc_${seller}`, amount);
  await release(db.sql, `esc_${seller}`, seller, amount, 0n);
  return createPendingEntry(db.sql, {
    platformId: PLATFORM,
    idempotencyKey: `payout:${seller}`,
    kind: 'payout',
    postings: [
      { account: payable(seller), amount: -payout },
      { account: psp(), amount: payout },
    ],
  });
}

describe('two-phase entries', () => {
  it('reserve without moving: the reservation counts against the available balance', async () => {
    await sellerWithPendingPayout('sel_reserve', 1_000n, 700n);
    const balance = await accountBalance(db.sql, payable('sel_reserve'));
    expect(balance).toMatchObject({ balance: 1_000n, pendingOut: 700n, available: 300n });
    const overspend = await rejection(() =>
      postEntry(db.sql, {
        platformId: PLATFORM,
        idempotencyKey: 'overspend',
        kind: 'payout',
        postings: [
          { account: payable('sel_reserve'), amount: -301n },
          { account: psp(), amount: 301n },
        ],
      }),
    );
    expect(overspend).toBeInstanceOf(InsufficientFundsError);
    expect(overspend).toMatchObject({ available: 300n, requested: 301n });
    const second = await rejection(() =>
      createPendingEntry(db.sql, {
        platformId: PLATFORM,
        idempotencyKey: 'second-payout',
        kind: 'payout',
        postings: [
          { account: payable('sel_reserve'), amount: -301n },
          { account: psp(), amount: 301n },
        ],
      }),
    );
    expect(second).toBeInstanceOf(InsufficientFundsError);
  });

  it('post in full moves the reserved amount and releases the reservation', async () => {
    const pending = await sellerWithPendingPayout('sel_full', 800n, 800n);
    const posted = await postPendingEntry(db.sql, {
      pendingEntryId: pending.entryId,
      idempotencyKey: 'settle:full',
    });
    expect(posted.created).toBe(true);
    expect(await accountBalance(db.sql, payable('sel_full'))).toMatchObject({
      balance: 0n,
      pendingOut: 0n,
      available: 0n,
    });
  });

  it('post in part moves that much and releases the rest', async () => {
    const pending = await sellerWithPendingPayout('sel_part', 1_000n, 600n);
    await postPendingEntry(db.sql, {
      pendingEntryId: pending.entryId,
      idempotencyKey: 'settle:part',
      amount: 250n,
    });
    expect(await accountBalance(db.sql, payable('sel_part'))).toMatchObject({
      balance: 750n,
      pendingOut: 0n,
      available: 750n,
    });
  });

  it('void releases everything and moves nothing', async () => {
    const pending = await sellerWithPendingPayout('sel_void', 500n, 500n);
    const before = await accountBalance(db.sql, psp());
    await voidPendingEntry(db.sql, { pendingEntryId: pending.entryId, idempotencyKey: 'void:1' });
    expect(await accountBalance(db.sql, payable('sel_void'))).toMatchObject({
      balance: 500n,
      available: 500n,
    });
    const after = await accountBalance(db.sql, psp());
    expect(after.balance).toBe(before.balance);
    expect(after.pendingIn).toBe(before.pendingIn - 500n);
  });

  it('is resolved once: the same resolution replays, a different one is refused', async () => {
    const pending = await sellerWithPendingPayout('sel_once', 900n, 900n);
    const first = await postPendingEntry(db.sql, {
      pendingEntryId: pending.entryId,
      idempotencyKey: 'once:post',
    });
    const replay = await postPendingEntry(db.sql, {
      pendingEntryId: pending.entryId,
      idempotencyKey: 'once:post',
    });
    expect(replay).toEqual({ entryId: first.entryId, created: false });

    const voided = await rejection(() =>
      voidPendingEntry(db.sql, { pendingEntryId: pending.entryId, idempotencyKey: 'once:void' }),
    );
    expect(voided).toBeInstanceOf(PendingAlreadyResolvedError);
    expect(voided).toMatchObject({ resolution: 'post', resolvedEntryId: first.entryId });
    const postedAgain = await rejection(() =>
      postPendingEntry(db.sql, { pendingEntryId: pending.entryId, idempotencyKey: 'once:post-2' }),
    );
    expect(postedAgain).toBeInstanceOf(PendingAlreadyResolvedError);
    const otherAmount = await rejection(() =>
      postPendingEntry(db.sql, {
        pendingEntryId: pending.entryId,
        idempotencyKey: 'once:post',
        amount: 1n,
      }),
    );
    expect(otherAmount).toBeInstanceOf(IdempotencyConflictError);
    expect((await accountBalance(db.sql, payable('sel_once'))).balance).toBe(0n);
  });

  it('lets only one of concurrent different resolutions win', async () => {
    const pending = await sellerWithPendingPayout('sel_race', 400n, 400n);
    const results = await Promise.allSettled([
      postPendingEntry(db.sql, { pendingEntryId: pending.entryId, idempotencyKey: 'race:post' }),
      voidPendingEntry(db.sql, { pendingEntryId: pending.entryId, idempotencyKey: 'race:void' }),
      postPendingEntry(db.sql, { pendingEntryId: pending.entryId, idempotencyKey: 'race:post' }),
      voidPendingEntry(db.sql, { pendingEntryId: pending.entryId, idempotencyKey: 'race:void-2' }),
    ]);
    const created = results.filter((r) => r.status === 'fulfilled' && r.value.created);
    expect(created).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PendingAlreadyResolvedError);
    }
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from ledger_entries where pending_entry_id = ${pending.entryId}::int8`;
    expect(row?.n).toBe(1);
  });

  it('refuses posting more than reserved, unknown pending entries, and partial posts of multi-leg entries', async () => {
    const pending = await sellerWithPendingPayout('sel_limits', 300n, 300n);
    const tooMuch = await rejection(() =>
      postPendingEntry(db.sql, {
        pendingEntryId: pending.entryId,
        idempotencyKey: 'limits:big',
        amount: 301n,
      }),
    );
    expect(tooMuch).toBeInstanceOf(PendingAmountExceededError);
    expect(tooMuch).toMatchObject({ reserved: 300n, requested: 301n });
    expect(
      await rejection(() =>
        voidPendingEntry(db.sql, { pendingEntryId: '999999', idempotencyKey: 'limits:404' }),
      ),
    ).toBeInstanceOf(PendingEntryNotFoundError);
    const final = await fund(db.sql, 'esc_not_pending', 5n);
    expect(
      await rejection(() =>
        voidPendingEntry(db.sql, { pendingEntryId: final.entryId, idempotencyKey: 'limits:final' }),
      ),
    ).toBeInstanceOf(PendingEntryNotFoundError);

    await fund(db.sql, 'esc_three', 100n);
    const threeLegs = await createPendingEntry(db.sql, {
      platformId: PLATFORM,
      idempotencyKey: 'three-legs',
      kind: 'payout',
      escrowId: 'esc_three',
      postings: [
        {
          account: { kind: 'escrow_holding', escrowId: 'esc_three', currency: 'VND' },
          amount: -100n,
        },
        { account: psp(), amount: 90n },
        { account: fees(), amount: 10n },
      ],
    });
    expect(
      await rejection(() =>
        postPendingEntry(db.sql, {
          pendingEntryId: threeLegs.entryId,
          idempotencyKey: 'three:part',
          amount: 50n,
        }),
      ),
    ).toBeInstanceOf(InvalidEntryError);
    await postPendingEntry(db.sql, {
      pendingEntryId: threeLegs.entryId,
      idempotencyKey: 'three:all',
    });
    expect(
      (
        await accountBalance(db.sql, {
          kind: 'escrow_holding',
          escrowId: 'esc_three',
          currency: 'VND',
        })
      ).balance,
    ).toBe(0n);
  });
});
