import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PaymentLinkStatus, Payout } from '@payos/node';

/** One attempt at delivering an IPN: the merchant's HTTP status and RspCode, or the error. */
export interface IpnAttempt {
  at: string;
  httpStatus?: number;
  rspCode?: string;
  error?: string;
}

export interface IpnDelivery {
  /** original: the payment's outcome; duplicate: the same again; stale: an older, failed state. */
  kind: 'original' | 'duplicate' | 'stale';
  params: Record<string, string>;
  attempts: IpnAttempt[];
  acknowledged: boolean;
  gaveUp: boolean;
}

/** A payment, kept by vnp_TxnRef: VNPay lets each TxnRef be paid once. Amounts in VND. */
export interface SandboxPayment {
  txnRef: string;
  status: 'pending' | 'paid' | 'declined';
  amount: string;
  orderInfo: string;
  returnUrl: string;
  ipAddr: string;
  createDate: string;
  expireDate: string;
  bankCode: string;
  transactionNo?: string;
  responseCode?: string;
  payDate?: string;
  refundedAmount: string;
  ipn: IpnDelivery[];
  createdAt: string;
}

/**
 * A refund, kept by vnp_RequestId, in VNPay's states: processing (05) and sent to the bank (06)
 * while an armed `pending` fault holds it, then succeeded (00) or failed (09, its amount given
 * back to the payment).
 */
export interface SandboxRefund {
  requestId: string;
  txnRef: string;
  transactionType: string;
  amount: string;
  transactionNo: string;
  orderInfo: string;
  createdBy: string;
  createdAt: string;
  status: 'processing' | 'sent_to_bank' | 'succeeded' | 'failed';
  /** While pending: how many more querydr calls see it so, and how it ends. */
  pending?: { queriesLeft: number; outcome: 'succeeded' | 'failed' };
}

/**
 * A payOS payout (chi hộ) of one transfer, kept by its x-idempotency-key. `status` is the one
 * truth; the states payOS reports follow from it (sandbox/payos/payouts.ts).
 */
export interface SandboxPayout {
  idempotencyKey: string;
  /** Fingerprint of the request body, to refuse the key's reuse for another payout. */
  requestHash: string;
  payoutId: string;
  transactionId: string;
  referenceId: string;
  /** VND, a decimal string like every amount the sandbox keeps. */
  amount: string;
  description: string;
  toBin: string;
  toAccountNumber: string;
  category: string[] | null;
  status: 'pending' | 'succeeded' | 'failed';
  /** While pending: how many more reads see it PROCESSING, and how it ends after them. */
  pending?: { readsLeft: number; outcome: 'succeeded' | 'failed' };
  /** Filled once it succeeded, as the bank reports them. */
  toAccountName: string | null;
  reference: string | null;
  transactionDatetime: string | null;
  /** Filled once it failed. */
  errorCode: string | null;
  errorMessage: string | null;
  /** The create call's answer data, replayed to a repeated request. */
  createReply: Payout;
  createdAt: string;
}

/** One webhook payOS sends: the whole signed body, and how the merchant answered each try. */
export interface PayosWebhookDelivery {
  /** original: the payment; duplicate: the same again; stale: an older, failed transfer. */
  kind: 'original' | 'duplicate' | 'stale';
  body: Record<string, unknown>;
  attempts: IpnAttempt[];
  acknowledged: boolean;
  gaveUp: boolean;
}

/** A payOS payment link (collection), kept by its orderCode: payOS gives each code one link. */
export interface SandboxPayosPayment {
  orderCode: number;
  paymentLinkId: string;
  /** VND, a decimal string like every amount the sandbox keeps. */
  amount: string;
  description: string;
  returnUrl: string;
  cancelUrl: string;
  /** Unix seconds, as payOS takes it; null when the link never expires. */
  expiredAt: number | null;
  status: Extract<PaymentLinkStatus, 'PENDING' | 'PAID' | 'CANCELLED' | 'EXPIRED' | 'FAILED'>;
  /** The buyer's transfer, once it arrived. */
  reference: string | null;
  transactionDateTime: string | null;
  cancellationReason: string | null;
  canceledAt: string | null;
  webhooks: PayosWebhookDelivery[];
  createdAt: string;
}

interface Snapshot {
  nextTransactionNo: number;
  payments: SandboxPayment[];
  refunds: Array<Omit<SandboxRefund, 'status'> & Partial<Pick<SandboxRefund, 'status'>>>;
  payouts: SandboxPayout[];
  /** Absent in files written before payOS collection. */
  payosPayments?: SandboxPayosPayment[];
}

/** Read-only copies of the records, for tests and the /_sandbox API. */
export interface SandboxRecords {
  payments(): SandboxPayment[];
  payment(txnRef: string): SandboxPayment | undefined;
  refunds(): SandboxRefund[];
  refund(requestId: string): SandboxRefund | undefined;
  payouts(): SandboxPayout[];
  payout(idempotencyKey: string): SandboxPayout | undefined;
  payosPayments(): SandboxPayosPayment[];
  payosPayment(orderCode: number): SandboxPayosPayment | undefined;
}

/**
 * The sandbox's records, in memory, written whole to dataFile after each change when given
 * (a sandbox holds a few thousand records at most). Writes are serialized and atomic.
 */
export class SandboxStore {
  readonly payments = new Map<string, SandboxPayment>();
  readonly refunds = new Map<string, SandboxRefund>();
  readonly payouts = new Map<string, SandboxPayout>();
  /** By orderCode in decimal. */
  readonly payosPayments = new Map<string, SandboxPayosPayment>();
  private nextTransactionNo = 14_000_001;
  private writing: Promise<void> = Promise.resolve();
  private writeQueued = false;

  private constructor(
    private readonly dataFile: string | undefined,
    private readonly onWriteError: (error: unknown) => void,
  ) {}

  static async open(
    dataFile: string | undefined,
    onWriteError: (error: unknown) => void,
  ): Promise<SandboxStore> {
    const store = new SandboxStore(dataFile, onWriteError);
    if (dataFile) {
      const text = await readFile(dataFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (text !== undefined) store.load(JSON.parse(text) as Snapshot);
    }
    return store;
  }

  private load(snapshot: Snapshot): void {
    this.nextTransactionNo = snapshot.nextTransactionNo;
    for (const payment of snapshot.payments) this.payments.set(payment.txnRef, payment);
    for (const refund of snapshot.refunds) {
      // Files written before refunds could be pending hold only refunds that succeeded.
      this.refunds.set(refund.requestId, { ...refund, status: refund.status ?? 'succeeded' });
    }
    // Payouts of the sandbox's earlier, home-made payout API (no referenceId) are dropped.
    for (const payout of snapshot.payouts) {
      if (payout.referenceId) this.payouts.set(payout.idempotencyKey, payout);
    }
    for (const link of snapshot.payosPayments ?? []) {
      this.payosPayments.set(String(link.orderCode), link);
    }
  }

  /** VNPay's vnp_TransactionNo: a number unique across payments and refunds. */
  takeTransactionNo(): string {
    const transactionNo = String(this.nextTransactionNo++);
    this.changed();
    return transactionNo;
  }

  /** Call after every mutation; coalesces into at most one pending write. */
  changed(): void {
    if (!this.dataFile || this.writeQueued) return;
    this.writeQueued = true;
    this.writing = this.writing.then(async () => {
      this.writeQueued = false;
      await this.write().catch(this.onWriteError);
    });
  }

  /** Resolves when every change so far is on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  private async write(): Promise<void> {
    const file = this.dataFile as string;
    const snapshot: Snapshot = {
      nextTransactionNo: this.nextTransactionNo,
      payments: [...this.payments.values()],
      refunds: [...this.refunds.values()],
      payouts: [...this.payouts.values()],
      payosPayments: [...this.payosPayments.values()],
    };
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(snapshot, null, 2)}\n`);
    await rename(temporary, file);
  }

  readonly records: SandboxRecords = {
    payments: () => [...this.payments.values()].map((r) => structuredClone(r)),
    payment: (txnRef) => copy(this.payments.get(txnRef)),
    refunds: () => [...this.refunds.values()].map((r) => structuredClone(r)),
    refund: (requestId) => copy(this.refunds.get(requestId)),
    payouts: () => [...this.payouts.values()].map((r) => structuredClone(r)),
    payout: (idempotencyKey) => copy(this.payouts.get(idempotencyKey)),
    payosPayments: () => [...this.payosPayments.values()].map((r) => structuredClone(r)),
    payosPayment: (orderCode) => copy(this.payosPayments.get(String(orderCode))),
  };
}

const copy = <T>(record: T | undefined): T | undefined =>
  record === undefined ? undefined : structuredClone(record);
