import { type GetTransactionInput, PspPermanentError, type TransactionStatus } from '../types.js';
import { endpoint, type ZalopayConfig } from './config.js';
import { commonFailure, postZalopay } from './http.js';
import { appTransIdFor } from './ids.js';
import { paths, returnCode, subReturnCode } from './protocol.js';
import { queryMac } from './signing.js';

/**
 * What ZaloPay knows of the order (/v2/query): 1 paid, 3 not paid yet or in progress, 2 failed
 * or expired, unless its sub code says no such order.
 */
export async function queryOrder(
  config: ZalopayConfig,
  input: GetTransactionInput,
): Promise<TransactionStatus> {
  const appTransId = appTransIdFor(input.txnRef, input.transactionDate);
  const answer = await postZalopay(
    endpoint(config, paths.query),
    {
      app_id: Number(config.appId),
      app_trans_id: appTransId,
      mac: queryMac(config.key1, config.appId, appTransId),
    },
    config.timeoutMs,
  );
  const failure = commonFailure('query', answer);
  if (failure) throw failure;
  switch (answer.return_code) {
    case returnCode.success: {
      const { amount, zp_trans_id: zpTransId } = answer;
      if (!Number.isSafeInteger(amount) || !Number.isSafeInteger(zpTransId)) {
        throw new PspPermanentError(
          'invalid_response',
          `query: paid order ${appTransId} without a whole amount and zp_trans_id`,
          'zalopay',
        );
      }
      return {
        status: 'succeeded',
        amount: BigInt(amount as number),
        providerTransactionId: String(zpTransId),
      };
    }
    case returnCode.processing:
      return { status: 'pending' };
    case returnCode.fail:
      return answer.sub_return_code === subReturnCode.notFound
        ? { status: 'not_found' }
        : { status: 'failed' };
    default:
      throw new PspPermanentError(
        'invalid_response',
        `query: unknown return_code ${answer.return_code}`,
        'zalopay',
      );
  }
}
