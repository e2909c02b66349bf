import { randomUUID } from 'node:crypto';
import type { CreatePaymentLinkResponse, PaymentLink, WebhookData } from '@payos/node';
import type { SandboxContext } from '../context.js';
import type { SandboxPayosPayment } from '../store.js';
import { vietQrPayload } from './vietqr.js';

/** The merchant's receiving account, as payOS shows it on the checkout page. */
export const receivingAccount = {
  bin: '970422',
  accountNumber: '0123456789',
  accountName: 'CONG TY SANDBOX ESCROW',
} as const;

export interface PaymentRequestBody {
  orderCode: number;
  amount: number;
  description: string;
  returnUrl: string;
  cancelUrl: string;
  expiredAt?: number | undefined;
}

const newId = () => randomUUID().replaceAll('-', '');

export function makeLink(context: SandboxContext, body: PaymentRequestBody): SandboxPayosPayment {
  const link: SandboxPayosPayment = {
    orderCode: body.orderCode,
    paymentLinkId: newId(),
    amount: String(body.amount),
    description: body.description,
    returnUrl: body.returnUrl,
    cancelUrl: body.cancelUrl,
    expiredAt: body.expiredAt ?? null,
    status: 'PENDING',
    reference: null,
    transactionDateTime: null,
    cancellationReason: null,
    canceledAt: null,
    webhooks: [],
    createdAt: context.now().toISOString(),
  };
  context.store.payosPayments.set(String(link.orderCode), link);
  context.store.changed();
  context.log.info({ orderCode: link.orderCode, paymentLinkId: link.paymentLinkId }, 'payOS link');
  return link;
}

/** The link by paymentLinkId or orderCode, as payOS's GET takes either; expired when due. */
export function findLink(context: SandboxContext, id: string): SandboxPayosPayment | undefined {
  const link =
    context.store.payosPayments.get(id) ??
    [...context.store.payosPayments.values()].find((l) => l.paymentLinkId === id);
  if (link?.status === 'PENDING' && link.expiredAt !== null) {
    if (context.now().getTime() > link.expiredAt * 1000) {
      link.status = 'EXPIRED';
      context.store.changed();
    }
  }
  return link;
}

export const checkoutUrl = (origin: string, link: SandboxPayosPayment) =>
  `${origin}/web/${link.paymentLinkId}`;

export function createReply(origin: string, link: SandboxPayosPayment): CreatePaymentLinkResponse {
  const amount = Number(link.amount);
  return {
    ...receivingAccount,
    amount,
    description: link.description,
    orderCode: link.orderCode,
    currency: 'VND',
    paymentLinkId: link.paymentLinkId,
    status: link.status,
    ...(link.expiredAt === null ? {} : { expiredAt: link.expiredAt }),
    checkoutUrl: checkoutUrl(origin, link),
    qrCode: qrCodeOf(link),
  };
}

export const qrCodeOf = (link: SandboxPayosPayment) =>
  vietQrPayload(
    receivingAccount.bin,
    receivingAccount.accountNumber,
    Number(link.amount),
    link.description,
  );

/** The link as payOS's GET and cancel show it (§2.4). */
export function wireLink(link: SandboxPayosPayment): PaymentLink {
  const amount = Number(link.amount);
  const paid = link.status === 'PAID';
  return {
    id: link.paymentLinkId,
    orderCode: link.orderCode,
    amount,
    amountPaid: paid ? amount : 0,
    amountRemaining: paid ? 0 : amount,
    status: link.status,
    createdAt: vietnamIso(new Date(link.createdAt)),
    transactions: paid
      ? [
          {
            reference: link.reference ?? '',
            amount,
            accountNumber: receivingAccount.accountNumber,
            description: link.description,
            transactionDateTime: vietnamIso(new Date(link.transactionDateTime ?? link.createdAt)),
            virtualAccountName: null,
            virtualAccountNumber: null,
            counterAccountBankId: null,
            counterAccountBankName: null,
            counterAccountName: null,
            counterAccountNumber: null,
          },
        ]
      : [],
    cancellationReason: link.cancellationReason,
    canceledAt: link.canceledAt === null ? null : vietnamIso(new Date(link.canceledAt)),
  };
}

/**
 * The webhook's 16 `data` fields (§2.6) for a paid link, empty counterparty fields as `""` like
 * payOS's own sample; `stale` is an earlier transfer that failed, dated at the link's creation.
 */
export function webhookData(link: SandboxPayosPayment, stale = false): WebhookData {
  return {
    orderCode: link.orderCode,
    amount: Number(link.amount),
    description: link.description,
    accountNumber: receivingAccount.accountNumber,
    reference: stale ? '' : (link.reference ?? ''),
    transactionDateTime: vietnamLocal(
      new Date(stale ? link.createdAt : (link.transactionDateTime ?? link.createdAt)),
    ),
    currency: 'VND',
    paymentLinkId: link.paymentLinkId,
    code: stale ? '01' : '00',
    desc: stale ? 'failed' : 'success',
    counterAccountBankId: '',
    counterAccountBankName: '',
    counterAccountName: '',
    counterAccountNumber: '',
    virtualAccountName: '',
    virtualAccountNumber: '',
  };
}

export const newReference = () => `FT${newId().slice(0, 14).toUpperCase()}`;

const inVietnam = (date: Date) =>
  new Date(date.getTime() + 7 * 3_600_000).toISOString().slice(0, 19);
/** `2025-12-12T09:00:00+07:00`, as payOS dates links. */
const vietnamIso = (date: Date) => `${inVietnam(date)}+07:00`;
/** `2023-02-04 18:25:00`, as payOS dates webhooks. */
const vietnamLocal = (date: Date) => inVietnam(date).replace('T', ' ');
