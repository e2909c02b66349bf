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
  /** When it became final (succeeded or failed); absent while pending and in older files. */
  finalAt?: string;
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

/** One MoMo IPN: a signed JSON body, POSTed until the merchant answers 204. */
export interface MomoIpnDelivery {
  kind: IpnDelivery['kind'];
  body: Record<string, string | number>;
  attempts: IpnAttempt[];
  acknowledged: boolean;
  gaveUp: boolean;
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

/** One attempt at delivering a ZaloPay callback: the merchant's HTTP status and return_code. */
export interface ZalopayCallbackAttempt {
  at: string;
  httpStatus?: number;
  returnCode?: number;
  error?: string;
}

export interface ZalopayCallbackDelivery {
  /** original: the payment; duplicate: the same again; stale: an earlier copy sent after it. */
  kind: 'original' | 'duplicate' | 'stale';
  /** The signed JSON body {data, mac, type}, as sent. */
  body: string;
  attempts: ZalopayCallbackAttempt[];
  acknowledged: boolean;
  gaveUp: boolean;
}

/**
 * A MoMo order, kept by orderId: pending until the buyer decides, then paid (0), authorized
 * (9000, autoCapture=false, until confirm) or failed (its resultCode says why).
 */
export interface SandboxMomoPayment {
  orderId: string;
  requestId: string;
  status: 'pending' | 'authorized' | 'paid' | 'failed';
  resultCode: number;
  amount: string;
  orderInfo: string;
  requestType: string;
  autoCapture: boolean;
  redirectUrl: string;
  ipnUrl: string;
  extraData: string;
  /** The payUrl's `t`: an opaque handle on the order. */
  token: string;
  expiresAt: string;
  transId?: string;
  payType?: string;
  /** Epoch ms of the decision, as MoMo's responseTime. */
  decidedAt?: number;
  refundedAmount: string;
  ipn: MomoIpnDelivery[];
  createdAt: string;
}

/** A MoMo refund, kept by its own orderId; pending while an armed `pending` fault holds it. */
export interface SandboxMomoRefund {
  orderId: string;
  requestId: string;
  paymentOrderId: string;
  transId: string;
  amount: string;
  description: string;
  status: 'pending' | 'succeeded' | 'failed';
  resultCode: number;
  pending?: { queriesLeft: number; outcome: 'succeeded' | 'failed' };
  createdAt: string;
}

/** A ZaloPay order, kept by app_trans_id. Amounts in VND, as decimal strings. */
export interface SandboxZalopayOrder {
  appTransId: string;
  /** The order_url's token: the payment page is reached by it, not by the guessable id. */
  token: string;
  appUser: string;
  appTime: number;
  amount: string;
  description: string;
  embedData: string;
  item: string;
  /** The order's callback_url, else the app's registered one. */
  callbackUrl: string;
  expiresAt: string;
  status: 'pending' | 'paid' | 'declined';
  zpTransId?: string;
  serverTime?: number;
  refundedAmount: string;
  callbacks: ZalopayCallbackDelivery[];
  createdAt: string;
}

/**
 * A ZaloPay refund, kept by m_refund_id: processing while an armed `pending` fault holds it,
 * then succeeded or failed (its amount given back to the order).
 */
export interface SandboxZalopayRefund {
  mRefundId: string;
  appTransId: string;
  zpTransId: string;
  /** ZaloPay's refund_id. */
  refundId: string;
  amount: string;
  description: string;
  timestamp: number;
  status: 'processing' | 'succeeded' | 'failed';
  pending?: { queriesLeft: number; outcome: 'succeeded' | 'failed' };
  createdAt: string;
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
  /** Absent from files written before the MoMo rail. */
  momoPayments?: SandboxMomoPayment[];
  momoRefunds?: SandboxMomoRefund[];
  momoRequestIds?: string[];
  /** Absent from files written before ZaloPay was spoken. */
  zalopay?: { nextSeq: number; orders: SandboxZalopayOrder[]; refunds: SandboxZalopayRefund[] };
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
  momoPayments(): SandboxMomoPayment[];
  momoPayment(orderId: string): SandboxMomoPayment | undefined;
  momoRefunds(): SandboxMomoRefund[];
  momoRefund(orderId: string): SandboxMomoRefund | undefined;
  zalopayOrders(): SandboxZalopayOrder[];
  zalopayOrder(appTransId: string): SandboxZalopayOrder | undefined;
  zalopayRefunds(): SandboxZalopayRefund[];
  zalopayRefund(mRefundId: string): SandboxZalopayRefund | undefined;
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
  readonly momoPayments = new Map<string, SandboxMomoPayment>();
  readonly momoRefunds = new Map<string, SandboxMomoRefund>();
  /** Every requestId MoMo has seen: it refuses a repeat (40). */
  readonly momoRequestIds = new Set<string>();
  readonly zalopayOrders = new Map<string, SandboxZalopayOrder>();
  readonly zalopayRefunds = new Map<string, SandboxZalopayRefund>();
  /** By orderCode in decimal. */
  readonly payosPayments = new Map<string, SandboxPayosPayment>();
  private nextTransactionNo = 14_000_001;
  private nextZalopaySeq = 1;
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
    for (const payment of snapshot.momoPayments ?? [])
      this.momoPayments.set(payment.orderId, payment);
    for (const refund of snapshot.momoRefunds ?? []) this.momoRefunds.set(refund.orderId, refund);
    for (const requestId of snapshot.momoRequestIds ?? []) this.momoRequestIds.add(requestId);
    if (snapshot.zalopay) {
      this.nextZalopaySeq = snapshot.zalopay.nextSeq;
      for (const order of snapshot.zalopay.orders) this.zalopayOrders.set(order.appTransId, order);
      for (const refund of snapshot.zalopay.refunds) {
        this.zalopayRefunds.set(refund.mRefundId, refund);
      }
    }
    for (const link of snapshot.payosPayments ?? []) {
      this.payosPayments.set(String(link.orderCode), link);
    }
  }

  /** ZaloPay's ids (zp_trans_id, refund_id): yymmdd then a 9-digit sequence, as ZaloPay's look. */
  takeZalopayId(yymmdd: string): string {
    const id = `${yymmdd}${String(this.nextZalopaySeq++).padStart(9, '0')}`;
    this.changed();
    return id;
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
      momoPayments: [...this.momoPayments.values()],
      momoRefunds: [...this.momoRefunds.values()],
      momoRequestIds: [...this.momoRequestIds],
      zalopay: {
        nextSeq: this.nextZalopaySeq,
        orders: [...this.zalopayOrders.values()],
        refunds: [...this.zalopayRefunds.values()],
      },
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
    momoPayments: () => [...this.momoPayments.values()].map((r) => structuredClone(r)),
    momoPayment: (orderId) => copy(this.momoPayments.get(orderId)),
    momoRefunds: () => [...this.momoRefunds.values()].map((r) => structuredClone(r)),
    momoRefund: (orderId) => copy(this.momoRefunds.get(orderId)),
    zalopayOrders: () => [...this.zalopayOrders.values()].map((r) => structuredClone(r)),
    zalopayOrder: (appTransId) => copy(this.zalopayOrders.get(appTransId)),
    zalopayRefunds: () => [...this.zalopayRefunds.values()].map((r) => structuredClone(r)),
    zalopayRefund: (mRefundId) => copy(this.zalopayRefunds.get(mRefundId)),
    payosPayments: () => [...this.payosPayments.values()].map((r) => structuredClone(r)),
    payosPayment: (orderCode) => copy(this.payosPayments.get(String(orderCode))),
  };
}

const copy = <T>(record: T | undefined): T | undefined =>
  record === undefined ? undefined : structuredClone(record);
