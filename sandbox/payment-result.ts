import { amountToVnp, paymentResponseCode, transactionStatus } from '../psp/vnpay/protocol.js';
import type { SandboxPayment } from './store.js';

/**
 * The vnp_* parameters VNPay sends, unsigned, to the return URL and the IPN URL once a payment
 * is decided: both carry the same result.
 */
export function paymentResultParams(
  tmnCode: string,
  payment: SandboxPayment,
): Record<string, string> {
  const paid = payment.status === 'paid';
  return {
    vnp_Amount: amountToVnp(BigInt(payment.amount)),
    vnp_BankCode: payment.bankCode,
    ...(paid ? { vnp_BankTranNo: `VNP${payment.transactionNo}`, vnp_CardType: 'ATM' } : {}),
    vnp_OrderInfo: payment.orderInfo,
    vnp_PayDate: payment.payDate ?? '',
    vnp_ResponseCode: payment.responseCode ?? '',
    vnp_TmnCode: tmnCode,
    vnp_TransactionNo: payment.transactionNo ?? '',
    vnp_TransactionStatus: paid ? transactionStatus.success : transactionStatus.failed,
    vnp_TxnRef: payment.txnRef,
  };
}

/**
 * An older, failed state of the same transaction, as a lagging provider queue would deliver it
 * after the real outcome: dated at the payment's creation, before the outcome.
 */
export function staleResultParams(
  tmnCode: string,
  payment: SandboxPayment,
): Record<string, string> {
  const { vnp_BankTranNo, vnp_CardType, ...params } = paymentResultParams(tmnCode, payment);
  return {
    ...params,
    vnp_PayDate: payment.createDate,
    vnp_ResponseCode: paymentResponseCode.customerCancelled,
    vnp_TransactionStatus: transactionStatus.failed,
  };
}
