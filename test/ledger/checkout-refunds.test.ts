import { describe, expect, it } from 'vitest';
import { postEscrowMovement } from '../../ledger/escrow-movements.js';
import { accountBalance, InsufficientFundsError } from '../../ledger/index.js';
import { useTestDatabase } from '../support/db.js';
import { testTerms } from '../support/escrow-stack.js';
import { holding, psp, refundable, rejection } from './helpers.js';

const db = useTestDatabase();

// A checkout's one payment funds one escrow per seller, each holding its share. Each escrow
// refunds out of its own holding account, which cannot go negative: so the refunds of all the
// cart's escrows never exceed what was paid.
describe("a checkout's escrows refund out of their own shares", () => {
  const checkout = { checkoutId: 'chk_ledger_test_0000001' };
  const a = testTerms({ escrowId: 'esc_ledger_share_a', amount: 1_200_000, checkout });
  const b = testTerms({ escrowId: 'esc_ledger_share_b', amount: 800_000, checkout });
  const paymentTransactionId = '14000099';

  it("refuses a refund beyond a seller's share, and the cart's refunds stop at the payment", async () => {
    for (const terms of [a, b]) {
      await postEscrowMovement(db.sql, terms, 1, {
        kind: 'funding',
        amount: terms.amount,
        paymentTransactionId,
      });
    }
    expect((await accountBalance(db.sql, psp())).balance).toBe(-2_000_000n);

    // B's share is 800,000: a refund of 800,001 out of B's holding is refused, whole.
    const beyond = await rejection(() =>
      postEscrowMovement(db.sql, b, 2, { kind: 'refund', amount: 800_001, refundId: '1' }),
    );
    expect(beyond).toBeInstanceOf(InsufficientFundsError);
    expect((await accountBalance(db.sql, holding(b.escrowId))).balance).toBe(800_000n);

    // B's whole share is refunded; then not one more unit, though A still holds 1,200,000.
    await postEscrowMovement(db.sql, b, 3, { kind: 'refund', amount: 800_000, refundId: '2' });
    expect((await accountBalance(db.sql, holding(b.escrowId))).balance).toBe(0n);
    const more = await rejection(() =>
      postEscrowMovement(db.sql, b, 4, { kind: 'refund', amount: 1, refundId: '3' }),
    );
    expect(more).toBeInstanceOf(InsufficientFundsError);
    await postEscrowMovement(db.sql, a, 2, { kind: 'refund', amount: 1_200_000, refundId: '1' });
    expect((await accountBalance(db.sql, refundable('VND', a.platformId))).balance).toBe(
      2_000_000n,
    );
    expect((await accountBalance(db.sql, holding(a.escrowId))).balance).toBe(0n);
  });
});
