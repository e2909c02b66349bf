import { z } from 'zod';
import {
  type CollectionListing,
  type ListedPayment,
  type ListedRefund,
  type Period,
  PspTransientError,
} from './types.js';
import { parseVnpDate } from './vnpay/dates.js';
import { requestIdFor } from './vnpay/fields.js';

// The sandbox PSP's own records (GET /_sandbox/payments, /_sandbox/refunds) as a listing. VNPay
// has none, so this exists only when the rail is the sandbox. Fields it does not name are
// ignored (the records carry many, and may grow more).

const paymentSchema = z.object({
  txnRef: z.string(),
  status: z.enum(['pending', 'paid', 'declined']),
  amount: z.string().regex(/^\d+$/),
  transactionNo: z.string().optional(),
  payDate: z.string().optional(),
  createdAt: z.iso.datetime(),
});

const refundSchema = z.object({
  requestId: z.string(),
  txnRef: z.string(),
  amount: z.string().regex(/^\d+$/),
  transactionNo: z.string(),
  createdAt: z.iso.datetime(),
  status: z.enum(['processing', 'sent_to_bank', 'succeeded', 'failed']),
});

const paymentStatus = { pending: 'pending', paid: 'succeeded', declined: 'failed' } as const;
/** VNPay's refund states: received, sent to the buyer's bank, done, refused. */
const refundStatus = {
  processing: 'pending',
  sent_to_bank: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
} as const;

const within = (at: Date, { from, to }: Period) => at >= from && at < to;

export function createSandboxListing(baseUrl: string, timeoutMs = 15_000): CollectionListing {
  const get = async <T>(path: string, schema: z.ZodType<T>): Promise<T[]> => {
    const url = `${baseUrl.replace(/\/+$/, '')}/_sandbox/${path}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new PspTransientError('network', `GET ${url}: ${String(error)}`, 'sandbox', {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new PspTransientError('server_error', `GET ${url}: HTTP ${response.status}`, 'sandbox');
    }
    return z.array(schema).parse(await response.json());
  };

  return {
    async payments(period) {
      const records = await get('payments', paymentSchema);
      return records.flatMap((p): ListedPayment[] => {
        // Decided payments count from their decision; open ones from when they were opened.
        const at = (p.payDate && parseVnpDate(p.payDate)) || new Date(p.createdAt);
        if (!within(at, period)) return [];
        return [
          {
            txnRef: p.txnRef,
            ...(p.transactionNo ? { providerTransactionId: p.transactionNo } : {}),
            amount: BigInt(p.amount),
            currency: 'VND',
            status: paymentStatus[p.status],
            at,
          },
        ];
      });
    },
    async refunds(period) {
      const records = await get('refunds', refundSchema);
      return records.flatMap((r): ListedRefund[] => {
        const at = new Date(r.createdAt);
        if (!within(at, period)) return [];
        return [
          {
            txnRef: r.txnRef,
            reference: r.requestId,
            refundId: r.transactionNo,
            amount: BigInt(r.amount),
            currency: 'VND',
            status: refundStatus[r.status],
            at,
          },
        ];
      });
    },
    refundReference: requestIdFor,
  };
}
