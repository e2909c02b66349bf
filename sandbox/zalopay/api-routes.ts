import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { yymmdd } from '../../psp/zalopay/ids.js';
import {
  fieldLimits,
  orderLifetimeSeconds,
  paths,
  returnCode,
  subReturnCode,
  ZALOPAY_LIMITS,
} from '../../psp/zalopay/protocol.js';
import { createOrderMac, macEquals, queryMac } from '../../psp/zalopay/signing.js';
import type { SandboxContext } from '../context.js';
import { withRequestFaults } from '../fault-gate.js';
import type { SandboxZalopayOrder } from '../store.js';
import type { ZalopayApp } from './app.js';
import { paymentPagePath } from './page-routes.js';
import { queryRefund, refund } from './refunds.js';
import { answer, badData, badMac, readFields, refusal, wholeOf } from './wire.js';

/** ZaloPay's app_time may be 15 minutes off the server's clock at most. */
const appTimeSkewMs = 15 * 60_000;
const defaultLifetimeSeconds = 900;

const noApp = () =>
  refusal(subReturnCode.illegalAppOrSignature, 'the sandbox has no ZaloPay app configured');

/** ZaloPay's order API at the root, as openapi.zalopay.vn serves it. */
export function zalopayApiRoutes(context: SandboxContext): Hono {
  const app = new Hono();
  const handle =
    (
      operation: 'create' | 'query' | 'refund',
      serve: (zalopay: ZalopayApp, fields: Record<string, string>, url: string) => Response,
    ) =>
    (c: Context) =>
      withRequestFaults(context, operation, async () => {
        const zalopay = context.zalopay;
        if (!zalopay) return noApp();
        const fields = await readFields(c);
        if (!fields) return badData('the body is neither JSON nor form fields');
        if (fields.app_id !== zalopay.appId) return badMac();
        return serve(zalopay, fields, c.req.url);
      });

  app.post(
    paths.create,
    handle('create', (zalopay, fields, url) => createOrder(context, zalopay, fields, url)),
  );
  app.post(
    paths.query,
    handle('query', (zalopay, fields) => queryOrder(context, zalopay, fields)),
  );
  app.post(
    paths.refund,
    handle('refund', (zalopay, fields) => refund(context, zalopay, fields)),
  );
  app.post(
    paths.queryRefund,
    handle('query', (zalopay, fields) => queryRefund(context, zalopay, fields)),
  );
  return app;
}

function createOrder(
  context: SandboxContext,
  zalopay: ZalopayApp,
  fields: Record<string, string>,
  requestUrl: string,
): Response {
  const {
    app_trans_id: appTransId = '',
    app_user: appUser = '',
    embed_data = '',
    item = '',
  } = fields;
  if (
    !macEquals(
      createOrderMac(zalopay.key1, {
        app_id: zalopay.appId,
        app_trans_id: appTransId,
        app_user: appUser,
        amount: fields.amount ?? '',
        app_time: fields.app_time ?? '',
        embed_data,
        item,
      }),
      fields.mac ?? '',
    )
  ) {
    return badMac();
  }
  const amount = wholeOf(fields.amount);
  const appTime = wholeOf(fields.app_time);
  const now = context.now();
  if (amount === undefined || amount < ZALOPAY_LIMITS.min || amount > ZALOPAY_LIMITS.max) {
    return badData(`amount must be ${ZALOPAY_LIMITS.min} to ${ZALOPAY_LIMITS.max} VND`);
  }
  if (appTime === undefined || Math.abs(Number(appTime) - now.getTime()) > appTimeSkewMs) {
    return badData('app_time must be within 15 minutes of now');
  }
  if (
    appTransId.length > fieldLimits.appTransId ||
    !appTransId.startsWith(yymmdd(new Date(Number(appTime))))
  ) {
    return badData('app_trans_id must start with yymmdd (GMT+7) and be 40 characters at most');
  }
  if (!appUser || appUser.length > fieldLimits.appUser) return badData('app_user is required');
  const description = fields.description ?? '';
  if (!description || description.length > fieldLimits.description) {
    return badData('description is required, 256 characters at most');
  }
  const lifetime = Number(fields.expire_duration_seconds ?? defaultLifetimeSeconds);
  if (
    !Number.isInteger(lifetime) ||
    lifetime < orderLifetimeSeconds.min ||
    lifetime > orderLifetimeSeconds.max
  ) {
    return badData('expire_duration_seconds must be 300 to 2592000');
  }
  if (!isJson(embed_data, 'object') || !isJson(item, 'array')) {
    return badData('embed_data must be a JSON object and item a JSON array');
  }
  if (context.store.zalopayOrders.has(appTransId)) {
    return refusal(subReturnCode.duplicateAppTransId, 'app_trans_id đã tồn tại');
  }
  const token = createHash('sha256').update(`${zalopay.appId}:${appTransId}`).digest('base64url');
  const order: SandboxZalopayOrder = {
    appTransId,
    token,
    appUser,
    appTime: Number(appTime),
    amount: amount.toString(),
    description,
    embedData: embed_data,
    item,
    callbackUrl: fields.callback_url || zalopay.callbackUrl,
    expiresAt: new Date(now.getTime() + lifetime * 1000).toISOString(),
    status: 'pending',
    refundedAmount: '0',
    callbacks: [],
    createdAt: now.toISOString(),
  };
  context.store.zalopayOrders.set(appTransId, order);
  context.store.changed();
  const orderUrl = `${new URL(requestUrl).origin}${paymentPagePath}?order=${token}`;
  return answer({
    return_code: returnCode.success,
    return_message: 'Giao dịch thành công',
    sub_return_code: 1,
    sub_return_message: 'Giao dịch thành công',
    zp_trans_token: token,
    order_url: orderUrl,
    order_token: token,
    qr_code: `sandbox-qr:${token}`,
  });
}

function isJson(text: string, kind: 'object' | 'array'): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return kind === 'array'
      ? Array.isArray(value)
      : typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function queryOrder(
  context: SandboxContext,
  zalopay: ZalopayApp,
  fields: Record<string, string>,
): Response {
  const appTransId = fields.app_trans_id ?? '';
  if (!macEquals(queryMac(zalopay.key1, zalopay.appId, appTransId), fields.mac ?? '')) {
    return badMac();
  }
  const order = context.store.zalopayOrders.get(appTransId);
  if (!order) return refusal(subReturnCode.notFound, 'Giao dịch không tồn tại');
  const base = { amount: Number(order.amount), discount_amount: 0, is_processing: false };
  switch (order.status) {
    case 'paid':
      return answer({
        return_code: returnCode.success,
        return_message: 'Giao dịch thành công',
        sub_return_code: 1,
        sub_return_message: 'Giao dịch thành công',
        ...base,
        zp_trans_id: Number(order.zpTransId),
        server_time: order.serverTime,
      });
    case 'declined':
      return refusal(subReturnCode.refused, 'Giao dịch thất bại', base);
    default:
      if (Date.parse(order.expiresAt) <= context.now().getTime()) {
        return refusal(subReturnCode.expired, 'Giao dịch hết hạn', base);
      }
      return answer({
        return_code: returnCode.processing,
        return_message: 'Giao dịch chưa được thanh toán',
        sub_return_code: 3,
        sub_return_message: 'Đơn hàng chưa thanh toán',
        ...base,
      });
  }
}
