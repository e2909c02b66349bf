import { describe, expect, it } from 'vitest';
import { escrowWorkflowId } from '../../workflows/client.js';
import { eventually } from '../support/eventually.js';
import { expectProblem, useApiHarness } from './harness.js';

const api = useApiHarness();

const post = (path: string, token: string, body?: unknown) =>
  api.h.call('POST', path, { token, ...(body === undefined ? {} : { body }) });

describe('disputes with party tokens', () => {
  it('buyer disputes, seller answers, ops splits: fee prorated, refund and payout settle', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    await api.h.fund(escrow);
    const buyer = await api.h.partyToken(api.platform.apiKey, escrow.id, 'buyer');
    const seller = await api.h.partyToken(api.platform.apiKey, escrow.id, 'seller');

    const read = await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: buyer });
    expect(read.body.allowedActions).toEqual([]);
    const shipped = await post(`/v1/escrows/${escrow.id}/ship`, seller, {
      carrier: 'GHN',
      trackingNumber: 'GHN42',
    });
    expect(shipped.status, shipped.text).toBe(200);
    expect(shipped.body.allowedActions).toEqual([]);
    const asBuyer = await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: buyer });
    expect(asBuyer.body.allowedActions).toEqual(['accept', 'disputes']);

    const disputed = await post(`/v1/escrows/${escrow.id}/disputes`, buyer, {
      reason: 'not_as_described',
      details: 'Scratched lens',
    });
    expect(disputed.status, disputed.text).toBe(200);
    expect(disputed.body.status).toBe('disputed');
    const answered = await post(`/v1/escrows/${escrow.id}/disputes/respond`, seller, {
      message: 'Shown in photo 4',
    });
    expect(answered.body.dispute.sellerResponse.message).toBe('Shown in photo 4');
    const again = await post(`/v1/escrows/${escrow.id}/disputes/respond`, seller, {
      message: 'Once more',
    });
    expectProblem(again, 409, 'invalid-state');
    expect(again.body.currentStatus).toBe('disputed');

    const tooMuch = await post(`/v1/escrows/${escrow.id}/disputes/resolve`, api.h.opsKey, {
      outcome: 'split',
      sellerAmount: 1_500_000,
    });
    expectProblem(tooMuch, 422, 'invalid-argument');
    const split = await post(`/v1/escrows/${escrow.id}/disputes/resolve`, api.h.opsKey, {
      outcome: 'split',
      sellerAmount: 900_000,
    });
    expect(split.status, split.text).toBe(200);
    expect(split.body.status).toBe('split');
    expect(split.body.dispute.resolution).toMatchObject({
      sellerAmount: 900_000,
      buyerAmount: 600_000,
    });
    // fee 30 000 on 1 500 000, prorated on the seller's 900 000 → 18 000
    expect(split.body.money).toMatchObject({
      released: 882_000,
      fees: 18_000,
      refunded: 600_000,
      held: 0,
    });
    await eventually(async () => {
      const got = await api.h.call('GET', `/v1/escrows/${escrow.id}`, {
        token: api.platform.apiKey,
      });
      expect(got.body.payout.status).toBe('paid');
      expect(got.body.refunds.map((r: { status: string }) => r.status)).toEqual(['succeeded']);
    });
    const ledger = await api.h.call('GET', `/v1/escrows/${escrow.id}/ledger`, {
      token: api.platform.apiKey,
    });
    expect(ledger.body).toEqual({
      escrowId: escrow.id,
      currency: 'VND',
      funded: 1_500_000,
      held: 0,
      released: 900_000,
      refunded: 600_000,
      fees: 18_000,
      paidOut: 882_000,
    });
    const check = await api.h.call('GET', '/v1/ledger/check', { token: api.h.opsKey });
    expect(check.body.ok, JSON.stringify(check.body.violations)).toBe(true);

    // The event log says who did what: the role, and which caller the API authenticated.
    const events = await api.h.call('GET', `/v1/escrows/${escrow.id}/events`, {
      token: api.platform.apiKey,
    });
    const actors = (events.body.data as Array<{ type: string; data: Record<string, unknown> }>)
      .filter((e) => e.data.by !== undefined)
      .map((e) => [e.type, e.data.by, e.data.actorId]);
    expect(actors).toEqual([
      ['shipped', 'seller', 'seller-token'],
      ['dispute_opened', 'buyer', 'buyer-token'],
      ['dispute_responded', 'seller', 'seller-token'],
      ['dispute_resolved', 'ops', 'ops'],
    ]);
  });

  it('the buyer may extend the inspection window once', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    await api.h.fund(escrow);
    const buyer = await api.h.partyToken(api.platform.apiKey, escrow.id, 'buyer');
    await post(`/v1/escrows/${escrow.id}/ship`, api.platform.apiKey, {
      carrier: 'VTP',
      trackingNumber: 'V1',
    });
    const delivered = await post(`/v1/escrows/${escrow.id}/deliver`, api.platform.apiKey);
    const deadline = Date.parse(delivered.body.deadlines.inspectionWindow);
    const extended = await post(`/v1/escrows/${escrow.id}/extend-inspection`, buyer);
    expect(extended.status, extended.text).toBe(200);
    expect(Date.parse(extended.body.deadlines.inspectionWindow) - deadline).toBe(3 * 86_400_000);
    expectProblem(
      await post(`/v1/escrows/${escrow.id}/extend-inspection`, buyer),
      409,
      'invalid-state',
    );
    const accepted = await post(`/v1/escrows/${escrow.id}/accept`, buyer);
    expect(accepted.body.status).toBe('released');
  });
});

describe('cancel', () => {
  it('unpaid: cancelled, nothing moves; funded: refunded in full', async () => {
    const unpaid = await api.h.createEscrow(api.platform.apiKey);
    const cancelled = await post(`/v1/escrows/${unpaid.id}/cancel`, api.platform.apiKey, {
      reason: 'sold out',
    });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'sold out' });

    const funded = await api.h.createEscrow(api.platform.apiKey);
    await api.h.fund(funded);
    const refunded = await post(`/v1/escrows/${funded.id}/cancel`, api.h.opsKey, {
      reason: 'fraud check',
    });
    expect(refunded.body).toMatchObject({
      status: 'refunded',
      money: { refunded: 1_500_000, held: 0 },
    });
  });
});

describe('payout retry (ops)', () => {
  it('a payout to an account that does not exist fails; ops retry to a corrected destination', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey, {
      payoutDestination: { bankCode: 'VCB', accountNumber: '000111222', accountName: 'WRONG' },
    });
    await api.h.fund(escrow);
    await post(`/v1/escrows/${escrow.id}/ship`, api.platform.apiKey, {
      carrier: 'GHN',
      trackingNumber: 'G',
    });
    await post(`/v1/escrows/${escrow.id}/accept`, api.platform.apiKey);
    await eventually(async () => {
      const got = await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: api.h.opsKey });
      expect(got.body).toMatchObject({ payout: { status: 'failed' }, needsAttention: true });
    });
    const retried = await post(`/v1/escrows/${escrow.id}/payout/retry`, api.h.opsKey, {
      destination: { bankCode: 'TCB', accountNumber: '1903456789', accountName: 'NGUYEN VAN A' },
    });
    expect(retried.status, retried.text).toBe(200);
    await eventually(async () => {
      const got = await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: api.h.opsKey });
      expect(got.body.payout).toMatchObject({ status: 'paid', attempts: 2 });
    });
  });
});

describe('a finished escrow', () => {
  it('refuses every action with 409 once its workflow has closed', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    await api.h.fund(escrow);
    await post(`/v1/escrows/${escrow.id}/ship`, api.platform.apiKey, {
      carrier: 'GHN',
      trackingNumber: 'G',
    });
    await post(`/v1/escrows/${escrow.id}/accept`, api.platform.apiKey);
    await eventually(async () => {
      const description = await api.h.temporal.client.workflow
        .getHandle(escrowWorkflowId(escrow.id))
        .describe();
      expect(description.status.name).toBe('COMPLETED');
    });
    const reply = await post(`/v1/escrows/${escrow.id}/cancel`, api.platform.apiKey, {
      reason: 'late',
    });
    expectProblem(reply, 409, 'invalid-state');
    expect(reply.body).toMatchObject({ currentStatus: 'released', allowedActions: [] });
  });
});
