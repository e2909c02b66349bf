import { describe, expect, it } from 'vitest';
import {
  compareMovements,
  type LedgerMovement,
  ledgerKeyMovement,
  type RailMovement,
  railKeyMovement,
} from '../../domain/reconciliation.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const settledBefore = new Date(NOW.getTime() - 15 * 60_000);
const longAgo = new Date(NOW.getTime() - 3_600_000);
const justNow = new Date(NOW.getTime() - 60_000);

const ledger = (over: Partial<LedgerMovement> = {}): LedgerMovement => ({
  movement: 'payout',
  escrowId: 'esc_1',
  reference: 'escrow:esc_1:payout:1',
  phase: 'posted',
  amount: 1_470_000n,
  currency: 'VND',
  at: longAgo,
  ...over,
});
const rail = (over: Partial<RailMovement> = {}): RailMovement => ({
  movement: 'payout',
  escrowId: 'esc_1',
  reference: 'escrow:esc_1:payout:1',
  status: 'succeeded',
  amount: 1_470_000n,
  currency: 'VND',
  at: longAgo,
  railId: 'po_1',
  ...over,
});
const kinds = (l: LedgerMovement[], r: RailMovement[]) =>
  compareMovements(l, r, { settledBefore }).mismatches.map((m) => m.kind);

describe('compareMovements', () => {
  it('agreeing sides: nothing to report, every movement counted once', () => {
    const result = compareMovements(
      [ledger(), ledger({ movement: 'payment', reference: 'escrow:esc_1:funding:T1' })],
      [rail(), rail({ movement: 'payment', reference: 'escrow:esc_1:funding:T1' })],
      { settledBefore },
    );
    expect(result).toEqual({ checked: 2, mismatches: [] });
  });

  it('a rail record the ledger lacks is missing_in_ledger, with both sides described', () => {
    const [mismatch] = compareMovements([], [rail({ movement: 'payment' })], {
      settledBefore,
    }).mismatches;
    expect(mismatch).toMatchObject({
      kind: 'missing_in_ledger',
      movement: 'payment',
      reference: 'escrow:esc_1:payout:1',
      escrowId: 'esc_1',
      ledger: null,
      rail: { status: 'succeeded', amount: 1_470_000n, railId: 'po_1' },
    });
    expect(mismatch?.detail).toContain('1470000 VND');
  });

  it('a ledger entry the rail lacks is missing_at_rail, unless it moved nothing', () => {
    expect(kinds([ledger()], [])).toEqual(['missing_at_rail']);
    expect(kinds([ledger({ phase: 'pending' })], [])).toEqual(['missing_at_rail']);
    expect(kinds([ledger({ phase: 'voided' })], [])).toEqual([]);
  });

  it('money that did not move at the rail needs no ledger entry', () => {
    expect(kinds([], [rail({ status: 'failed' })])).toEqual([]);
    expect(kinds([], [rail({ movement: 'payment', status: 'pending' })])).toEqual([]);
    // A payout still pending at the rail may yet pay: the ledger must know it.
    expect(kinds([], [rail({ status: 'pending' })])).toEqual(['missing_in_ledger']);
  });

  it('too young to judge: a pending entry or a rail record inside the settle lag', () => {
    expect(kinds([ledger({ phase: 'pending', at: justNow })], [])).toEqual([]);
    expect(kinds([ledger({ phase: 'pending', at: justNow })], [rail()])).toEqual([]);
    expect(kinds([], [rail({ at: justNow })])).toEqual([]);
    // A posted entry is past waiting: the rail answered before it was posted.
    expect(kinds([ledger({ at: justNow })], [])).toEqual(['missing_at_rail']);
  });

  it('amounts and currencies are compared when the rail says them', () => {
    expect(kinds([ledger()], [rail({ amount: 1_000_000n })])).toEqual(['amount_differs']);
    expect(kinds([ledger()], [rail({ currency: 'USD' })])).toEqual(['amount_differs']);
    const { amount: _amount, currency: _currency, ...unknown } = rail();
    expect(kinds([ledger()], [unknown])).toEqual([]);
  });

  it('status: posted vs failed, voided vs succeeded, settled pending vs final differ', () => {
    expect(kinds([ledger()], [rail({ status: 'failed' })])).toEqual(['status_differs']);
    expect(kinds([ledger({ phase: 'voided' })], [rail()])).toEqual(['status_differs']);
    expect(kinds([ledger({ phase: 'voided' })], [rail({ status: 'failed' })])).toEqual([]);
    expect(kinds([ledger({ phase: 'pending' })], [rail()])).toEqual(['status_differs']);
    expect(kinds([ledger({ phase: 'pending' })], [rail({ status: 'failed' })])).toEqual([
      'status_differs',
    ]);
    expect(kinds([ledger({ phase: 'pending' })], [rail({ status: 'pending' })])).toEqual([]);
    expect(kinds([ledger()], [rail({ status: 'pending' })])).toEqual([]);
  });

  it('amount and status may both differ: two mismatches of one movement', () => {
    expect(kinds([ledger()], [rail({ status: 'failed', amount: 1n })])).toEqual([
      'amount_differs',
      'status_differs',
    ]);
  });
});

describe('keys', () => {
  it('a ledger key names its movement; a refund payout names the rail request it sent', () => {
    expect(ledgerKeyMovement('escrow:esc_1:funding:14000001')).toEqual({
      movement: 'payment',
      escrowId: 'esc_1',
      reference: 'escrow:esc_1:funding:14000001',
    });
    expect(ledgerKeyMovement('escrow:esc_1:payout:2')).toEqual({
      movement: 'payout',
      escrowId: 'esc_1',
      reference: 'escrow:esc_1:payout:2',
    });
    expect(ledgerKeyMovement('escrow:esc_1:refund-payout:1')?.reference).toBe(
      'escrow:esc_1:refund:1',
    );
    expect(ledgerKeyMovement('escrow:esc_1:refund-payout:1:2')?.reference).toBe(
      'escrow:esc_1:refund:1:2',
    );
    // Entries that move money inside the ledger only are no rail's business.
    expect(ledgerKeyMovement('escrow:esc_1:release:4')).toBeUndefined();
    expect(ledgerKeyMovement('escrow:esc_1:refund:1')).toBeUndefined();
  });

  it('a rail key names a payout or a refund (a payout rail carries refunds too)', () => {
    expect(railKeyMovement('escrow:esc_1:payout:1')?.movement).toBe('payout');
    expect(railKeyMovement('escrow:esc_1:refund:1:2')).toEqual({
      movement: 'refund',
      escrowId: 'esc_1',
      reference: 'escrow:esc_1:refund:1:2',
    });
    expect(railKeyMovement('someone-else:42')).toBeUndefined();
  });
});
