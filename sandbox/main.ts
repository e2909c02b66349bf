import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startSandboxPsp } from './server.js';

/**
 * `npm run psp:sandbox`: the sandbox PSP on PSP_SANDBOX_PORT, sending IPNs to our API and paying
 * out with the payOS payout credentials the engine is configured with.
 */
const config = loadConfig();
const log = createLogger({
  level: config.LOG_LEVEL,
  pretty: config.LOG_PRETTY,
  name: 'psp-sandbox',
});
const apiBaseUrl = config.PUBLIC_BASE_URL ?? `http://127.0.0.1:${config.PORT}`;

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
  ipnUrl: `${apiBaseUrl.replace(/\/+$/, '')}/v1/psp/vnpay/callback`,
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
