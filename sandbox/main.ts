import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startSandboxPsp } from './server.js';

/**
 * `npm run psp:sandbox`: the sandbox PSP on PSP_SANDBOX_PORT for every rail (VNPay, MoMo, ZaloPay,
 * payOS collection and payouts), sending callbacks to our API's `/v1/psp/{rail}/callback` and
 * checking the credentials the engine is configured with.
 */
const config = loadConfig();
const log = createLogger({
  level: config.LOG_LEVEL,
  pretty: config.LOG_PRETTY,
  name: 'psp-sandbox',
});
const apiBaseUrl = (config.PUBLIC_BASE_URL ?? `http://127.0.0.1:${config.PORT}`).replace(
  /\/+$/,
  '',
);
const callbackUrl = (rail: string) => `${apiBaseUrl}/v1/psp/${rail}/callback`;

const sandbox = await startSandboxPsp({
  port: config.PSP_SANDBOX_PORT,
  host: config.HOST,
  tmnCode: config.VNPAY_TMN_CODE,
  hashSecret: config.VNPAY_HASH_SECRET,
  payosPayout: {
    clientId: config.PAYOS_PAYOUT_CLIENT_ID,
    apiKey: config.PAYOS_PAYOUT_API_KEY,
    checksumKey: config.PAYOS_PAYOUT_CHECKSUM_KEY,
  },
  // Every rail's merchant, with the credentials the engine is configured with.
  momo: {
    partnerCode: config.MOMO_PARTNER_CODE,
    accessKey: config.MOMO_ACCESS_KEY,
    secretKey: config.MOMO_SECRET_KEY,
  },
  zalopay: {
    appId: config.ZALOPAY_APP_ID,
    key1: config.ZALOPAY_KEY1,
    key2: config.ZALOPAY_KEY2,
    callbackUrl: callbackUrl('zalopay'),
  },
  payosPayment: {
    clientId: config.PAYOS_CLIENT_ID,
    apiKey: config.PAYOS_API_KEY,
    checksumKey: config.PAYOS_CHECKSUM_KEY,
    webhookUrl: callbackUrl('payos'),
  },
  ipnUrl: callbackUrl('vnpay'),
  // In memory unless a file is named (`npm run dev` keeps it in .data/).
  dataFile: config.PSP_SANDBOX_DATA_FILE,
  log,
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'stopping the sandbox PSP');
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'sandbox PSP did not stop cleanly');
        process.exit(1);
      },
    );
  });
}
