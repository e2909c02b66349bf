import type { Payout, PayoutRequest } from '@payos/node';
import {
  type PayoutInput,
  type PayoutProvider,
  type PayoutRecord,
  type PayoutStatus,
  PspPermanentError,
} from '../types.js';
import { bankBin } from './banks.js';
import { type PayosPayoutConfig, payoutClient } from './client.js';
import { payosError } from './errors.js';
import { payoutOutcome } from './payout-states.js';
import { idempotencyKeyOf, payoutDescription, referenceIdOf } from './wire-text.js';

const provider = 'payos';
const DEFAULT_PAGE_SIZE = 100;

/**
 * Payouts (chi hộ) through payOS's payout API and its official SDK. The idempotency key goes in
 * `x-idempotency-key` and, reversibly, in `referenceId`, which is how a payout is found again.
 */
export function createPayosPayoutProvider(config: PayosPayoutConfig): PayoutProvider {
  const payos = payoutClient(config);
  const pageSize = config.pageSize ?? DEFAULT_PAGE_SIZE;
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw payosError(error, what);
    }
  };

  return {
    name: provider,
    currencies: ['VND'],

    async payout(input) {
      const what = `payout ${input.idempotencyKey}`;
      const request = payoutRequest(input);
      const payout = await call(what, () => payos.payouts.create(request, input.idempotencyKey));
      confirmsRequest(payout, request, what);
      const outcome = payoutOutcome(payout);
      if (outcome.status === 'failed') {
        throw new PspPermanentError('declined', `${what}: ${outcome.reason}`, provider);
      }
      return { status: outcome.status, payoutId: payout.id };
    },

    async getPayout({ idempotencyKey }): Promise<PayoutStatus> {
      const what = `payout ${idempotencyKey}`;
      const referenceId = referenceIdOf(idempotencyKey);
      const page = await call(what, () => payos.payouts.list({ referenceId, limit: pageSize }));
      const found = page.data.filter((payout) => payout.referenceId === referenceId);
      const [payout] = found;
      if (!payout) return { status: 'not_found' };
      if (found.length > 1) {
        throw new PspPermanentError(
          'invalid_response',
          `${what}: payOS holds ${found.length} payouts with referenceId ${referenceId}`,
          provider,
        );
      }
      const outcome = payoutOutcome(payout);
      return outcome.status === 'failed'
        ? { status: 'failed', payoutId: payout.id, code: 'declined', reason: outcome.reason }
        : { status: outcome.status, payoutId: payout.id };
    },

    async listPayouts({ from, to }) {
      const what = `payouts from ${from.toISOString()} to ${to.toISOString()}`;
      const records: PayoutRecord[] = [];
      let page = await call(what, () =>
        payos.payouts.list({ fromDate: from, toDate: to, limit: pageSize }),
      );
      for (;;) {
        for (const payout of page.data) {
          const createdAt = new Date(payout.createdAt);
          // payOS does not say whether toDate is inclusive; the period ends before `to`. Its
          // times have whole seconds, so the start is left to payOS's own fromDate filter.
          if (createdAt < to) records.push(payoutRecord(payout, createdAt));
        }
        if (!page.hasNextPage()) return records;
        const current = page;
        page = await call(what, () => current.getNextPage());
      }
    },
  };
}

function payoutRequest(input: PayoutInput): PayoutRequest {
  if (input.currency !== 'VND') {
    throw new PspPermanentError('unsupported_currency', 'payOS pays out in VND only', provider);
  }
  const amount = Number(input.amount);
  if (input.amount <= 0n || !Number.isSafeInteger(amount)) {
    throw new PspPermanentError('invalid_amount', `payout amount ${input.amount} VND`, provider);
  }
  // No `category`: an optional key sent empty would still be signed (§4C), and we need none.
  return {
    referenceId: referenceIdOf(input.idempotencyKey),
    amount,
    description: payoutDescription(input.description),
    toBin: bankBin(input.destination.bankCode),
    toAccountNumber: input.destination.accountNumber,
  };
}

/** A signed answer about another payout is still the wrong answer. */
function confirmsRequest(payout: Payout, request: PayoutRequest, what: string): void {
  const transfers = payout.transactions;
  const matches =
    payout.referenceId === request.referenceId &&
    transfers.every(
      (t) =>
        t.amount === request.amount &&
        t.toBin === request.toBin &&
        t.toAccountNumber === request.toAccountNumber,
    );
  if (!matches) {
    throw new PspPermanentError(
      'invalid_response',
      `${what}: the answer does not confirm this payout`,
      provider,
    );
  }
}

function payoutRecord(payout: Payout, createdAt: Date): PayoutRecord {
  const outcome = payoutOutcome(payout);
  return {
    idempotencyKey: idempotencyKeyOf(payout.referenceId),
    payoutId: payout.id,
    amount: payout.transactions.reduce((sum, t) => sum + BigInt(t.amount), 0n),
    currency: 'VND',
    status: outcome.status,
    createdAt,
  };
}
