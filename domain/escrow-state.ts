// The escrow's data: its terms, its state, the inputs the reducer takes and the facts it
// records (JSON-friendly: Temporal payloads, Postgres rows), and the two sums of its money.
import type { EventType } from './events.js';
import type { EvidenceFileRef } from './evidence.js';
import type { ItemState } from './items.js';
import type { Action, EscrowStatus, Role, Timer } from './lifecycle.js';
import type { Rail } from './rails.js';

export interface PayoutDestination {
  bankCode: string;
  accountNumber: string;
  accountName: string;
}

/** The PSP's payment link; its date names the payment again in queries and refunds. */
export interface PaymentLinkInfo {
  url: string;
  expiresAt: string;
  /** The provider's transaction date (VNPay vnp_CreateDate). */
  createdAt: string;
}

/** One line of the order; its money is held, inspected, disputed and settled on its own. */
export interface ItemTerms {
  id: string;
  description: string;
  /** The line's total, in minor units; the escrow's items sum to its amount. */
  amount: number;
  quantity?: number;
  /** This item's own inspection window, in milliseconds; the escrow's when absent. */
  inspectionWindow?: number;
}

/** `together`: one shipment, items inspected side by side. `milestones`: one after another. */
export type ReleaseMode = 'together' | 'milestones';

export interface EscrowTerms {
  escrowId: string;
  platformId: string;
  reference: string;
  buyerId: string;
  sellerId: string;
  amount: number;
  currency: string;
  /** Platform fee, in minor units, taken from the seller's side on release. */
  fee: number;
  description: string;
  payoutDestination: PayoutDestination;
  /** The buyer's account, where a rail that cannot refund (payOS) pays refunds out to. */
  refundDestination?: PayoutDestination;
  windows: Record<Timer, number>;
  /** How long a payment may still arrive after an unpaid escrow ends; default LATE_PAYMENT_GRACE_MS. */
  latePaymentGrace?: number;
  /** The collection rail the buyer pays through; absent (older histories): VNPay. */
  rail?: Rail;
  /** The order's lines; absent: one implicit item for the whole amount. */
  items?: ItemTerms[];
  /** How the items are delivered and released; absent: together. */
  release?: ReleaseMode;
  /**
   * One seller's part of a multi-seller checkout: the checkout owns the one payment (its link,
   * its payment window); this escrow is funded with its share, or expired, when the checkout says.
   */
  checkout?: { checkoutId: string };
}

export type RefundStatus = 'pending' | 'in_flight' | 'succeeded' | 'failed';
export type PayoutStatus = 'not_due' | 'pending' | 'in_flight' | 'paid' | 'failed';

export interface RefundJob {
  id: string;
  amount: number;
  /** The PSP transaction being refunded. */
  paymentTransactionId: string;
  paidAt: number;
  reason: string;
  status: RefundStatus;
  /** Sends to the rail so far; each one has its own idempotency key and ledger reservation. */
  attempts?: number;
  pspRefundId?: string;
  lastError?: string;
}

export interface PayoutJob {
  status: PayoutStatus;
  /** The payout being (or to be) sent. */
  amount: number;
  /** Released while a payout was in flight: the next payout sends it. */
  unpaid?: number;
  attempts: number;
  destination: PayoutDestination;
  payoutId?: string;
  lastError?: string;
}

export interface Dispute {
  reason: string;
  details: string;
  openedAt: number;
  /** Who opened it: the buyer (or platform), or the seller refusing a return. */
  openedBy?: Role;
  /** The items it freezes, and how much of their money in all. */
  items?: string[];
  amount?: number;
  sellerResponse?: { message: string; at: number };
  escalated: boolean;
  resolution?: {
    outcome: 'release' | 'refund' | 'split';
    sellerAmount: number;
    buyerAmount: number;
    at: number;
  };
}

export type MoneyMovement =
  | { kind: 'funding'; amount: number; paymentTransactionId: string }
  | { kind: 'release'; sellerAmount: number; fee: number }
  | { kind: 'refund'; amount: number; refundId: string }
  | { kind: 'payout_reserve'; amount: number; attempt: number }
  | { kind: 'payout_settle'; attempt: number }
  | { kind: 'payout_void'; attempt: number }
  | { kind: 'refund_reserve'; amount: number; refundId: string; attempt?: number }
  | { kind: 'refund_settle'; refundId: string; attempt?: number }
  | { kind: 'refund_void'; refundId: string; attempt?: number };

/** A fact in the escrow's timeline; recorded in Postgres with its sequence number. */
export interface EscrowEvent {
  seq: number;
  type: EventType;
  at: number;
  status: EscrowStatus;
  data: Record<string, unknown>;
  money?: MoneyMovement;
}

export interface EscrowState {
  terms: EscrowTerms;
  status: EscrowStatus;
  statusSince: number;
  deadlines: Partial<Record<Timer, number>>;
  inspectionExtended: boolean;
  payment?: { providerTransactionId: string; amount: number; currency: string; paidAt: number };
  seenPayments: string[];
  shipment?: { carrier: string; trackingNumber: string; shippedAt: number };
  deliveredAt?: number;
  dispute?: Dispute;
  cancelReason?: string;
  money: { funded: number; released: number; fees: number; refunded: number };
  items: ItemState[];
  payout: PayoutJob;
  refunds: RefundJob[];
  attention: string[];
  /** Facts Postgres refused for good: they stay in Temporal's history, not in the store. */
  unrecorded: Array<{ seq: number; type: EventType; error: string; movesMoney: boolean }>;
  /** The workflow may finish once terminal, jobs done and this time passed (late payments). */
  closeAfter?: number;
  seq: number;
  /** This run's facts in seq order; the workflow keeps only those Postgres does not have yet. */
  timeline: EscrowEvent[];
}

export type ActionInput =
  | { action: 'markShipped'; carrier: string; trackingNumber: string }
  | { action: 'markDelivered' }
  | { action: 'accept'; items?: string[] }
  | { action: 'extendInspection' }
  | { action: 'deliverMilestone' }
  | { action: 'openDispute'; reason: string; details: string; items?: string[]; amount?: number }
  | { action: 'respondToDispute'; message: string }
  | { action: 'resolveDispute'; outcome: 'release' | 'refund' | 'split'; sellerAmount?: number }
  | { action: 'reject'; reason: string; items?: string[] }
  | { action: 'markReturnShipped'; carrier: string; trackingNumber: string; items?: string[] }
  | { action: 'confirmReturn'; items?: string[] }
  | { action: 'disputeReturn'; reason: string; details: string; items?: string[] }
  | { action: 'cancel'; reason: string }
  | { action: 'retryPayout'; destination?: PayoutDestination }
  | { action: 'retryRefund'; refundId?: string; reason?: string };

/** Who takes an action: the role the rules check, and who exactly, for the event log. */
export interface Actor {
  role: Role;
  /** The platform's id, `buyer-token`, `seller-token` or `ops`, as the API authenticated it. */
  actorId?: string;
}

export type EscrowInput =
  | (ActionInput & Actor & { type: 'action' })
  | { type: 'timer'; timer: Timer }
  | {
      type: 'payment';
      providerTransactionId: string;
      amount: number;
      currency: string;
      paidAt: number;
      /** `query`: the rail said so when asked (the IPN never came); absent: its callback. */
      foundBy?: 'query';
    }
  | { type: 'attention'; reason: string; detail: string }
  /** A message (and files, by hash) added to the escrow's dispute: recorded, nothing moves. */
  | ({ type: 'disputeMessage' } & DisputeMessageInput)
  /** The escrow's checkout went unpaid: its escrows expire together. */
  | { type: 'checkoutExpired' }
  | { type: 'payoutStarted' }
  | { type: 'payoutPending'; payoutId?: string }
  | { type: 'refundPending'; refundId: string; pspRefundId?: string }
  | { type: 'recordFailed'; seq: number; error: string }
  | { type: 'payoutResult'; ok: true; payoutId: string }
  | { type: 'payoutResult'; ok: false; error: string }
  | { type: 'refundStarted'; refundId: string }
  | { type: 'refundResult'; refundId: string; ok: true; pspRefundId: string }
  | { type: 'refundResult'; refundId: string; ok: false; error: string };

/** One dispute message as the event log keeps it: who wrote it, the text, the files' hashes. */
export interface DisputeMessageInput {
  messageId: string;
  role: Role;
  actorId: string;
  text: string;
  files: EvidenceFileRef[];
}

export type RejectionCode = 'forbidden' | 'invalid_state' | 'invalid_argument';

export interface Rejection {
  code: RejectionCode;
  message: string;
  status: EscrowStatus;
  allowedActions: Action[];
}

/** What Postgres keeps of an escrow whose workflow has closed (store/closed-escrows.ts). */
export interface ClosedEscrow {
  terms: EscrowTerms;
  status: EscrowStatus;
  lastSeq: number;
  money: EscrowState['money'];
  payout: Pick<PayoutJob, 'status' | 'amount' | 'attempts' | 'payoutId'>;
  refunds: Array<Pick<RefundJob, 'id' | 'amount' | 'reason'>>;
  attention: string[];
  /** Every provider transaction the escrow has booked (funded or refunded). */
  seenPayments: string[];
  paymentLink?: PaymentLinkInfo;
  /** Each item's status and money; absent for rows from before items. */
  items?: Array<Pick<ItemState, 'id' | 'status' | 'released' | 'fees' | 'refunded'>>;
}

export const held = (s: EscrowState): number =>
  s.money.funded - s.money.released - s.money.fees - s.money.refunded;

/** Held money an open dispute freezes. */
export const frozen = (s: EscrowState): number =>
  s.items.reduce((sum, item) => sum + item.frozen, 0);
