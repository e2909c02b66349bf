import { describe, expect, it } from 'vitest';
import { createTransitionActivities } from '../../activities/transitions.js';
import { type EscrowState, initialState, step } from '../../domain/escrow.js';
import { DEFAULT_WINDOWS } from '../../domain/lifecycle.js';
import { escrowView } from '../../domain/view.js';
import { useTestDatabase } from '../support/db.js';
import { newEscrowId } from '../webhooks/outbox.js';

const db = useTestDatabase();

/** An escrow paid, shipped (by `carrier`) and delivered: four events, the payment's moving money. */
function deliveredEscrow(carrier: string): EscrowState {
  const terms = {
    escrowId: newEscrowId(),
    platformId: 'plt_batch',
    reference: 'order-batch',
    buyerId: 'b',
    sellerId: 's',
    amount: 1_000_000,
    currency: 'VND',
    fee: 25_000,
    description: 'batch',
    payoutDestination: { bankCode: 'VCB', accountNumber: '1', accountName: 'A' },
    windows: DEFAULT_WINDOWS,
  };
  let s = initialState(terms, 1_000);
  s = step(
    s,
    {
      type: 'payment',
      providerTransactionId: 't1',
      amount: 1_000_000,
      currency: 'VND',
      paidAt: 2_000,
    },
    2_000,
  );
  s = step(
    s,
    { type: 'action', action: 'markShipped', role: 'seller', carrier, trackingNumber: 'T' },
    3_000,
  );
  return step(s, { type: 'action', action: 'markDelivered', role: 'platform' }, 4_000);
}

const stored = async (escrowId: string) => {
  const events = await db.sql<{ seq: number; type: string }[]>`
    select seq, type from escrow_events where escrow_id = ${escrowId} order by seq`;
  const [outbox] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from webhook_outbox where escrow_id = ${escrowId}`;
  const [entries] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from ledger_entries where escrow_id = ${escrowId}`;
  return { seqs: events.map((e) => e.seq), outbox: outbox?.n, entries: entries?.n };
};

describe('recordTransitions: an escrow step’s events in one activity call', () => {
  it('writes them in order with their ledger entry and outbox rows; a retry changes nothing', async () => {
    const s = deliveredEscrow('GHN');
    const { escrowId } = s.terms;
    const batch = { terms: s.terms, events: s.timeline, view: escrowView(s) };
    const activities = createTransitionActivities(db.sql);
    expect(s.timeline.map((e) => e.type)).toEqual([
      'created',
      'payment_confirmed',
      'shipped',
      'delivered',
    ]);

    expect(await activities.recordTransitions(batch)).toEqual({});
    const first = await stored(escrowId);
    expect(first).toEqual({ seqs: [1, 2, 3, 4], outbox: 4, entries: 1 });
    expect(await activities.recordTransitions(batch)).toEqual({});
    expect(await stored(escrowId)).toEqual(first);
    const [row] = await db.sql<{ last_seq: number; status: string }[]>`
      select last_seq, status from escrows where id = ${escrowId}`;
    expect(row).toEqual({ last_seq: 4, status: 'delivered' });
  });

  it('names the one event Postgres refuses for good and keeps the ones before it', async () => {
    const s = deliveredEscrow('REFUSED_IN_BATCH');
    const { escrowId } = s.terms;
    const activities = createTransitionActivities(db.sql);
    await db.ownerSql`
      alter table escrow_events add constraint refuses_one_carrier_in_batch
        check (coalesce(data->>'carrier', '') <> 'REFUSED_IN_BATCH') not valid`;
    try {
      const view = escrowView(s);
      const answer = await activities.recordTransitions({
        terms: s.terms,
        events: s.timeline,
        view,
      });
      expect(answer.refused?.seq).toBe(3);
      expect(answer.refused?.error).toMatch(/^PermanentDataError: 23514/);
      expect((await stored(escrowId)).seqs).toEqual([1, 2]);
      // The workflow sends the ones after it next.
      const rest = s.timeline.filter((e) => e.seq > 3);
      expect(await activities.recordTransitions({ terms: s.terms, events: rest, view })).toEqual(
        {},
      );
      expect(await stored(escrowId)).toEqual({ seqs: [1, 2, 4], outbox: 3, entries: 1 });
    } finally {
      await db.ownerSql`alter table escrow_events drop constraint refuses_one_carrier_in_batch`;
    }
  });
});
