// The sandbox PSP a bench runs against, with the VNPay and payOS payout adapters pointed at it:
// one set of merchant credentials for every bench that drives escrows without the dev stack.
import { createPayosPayoutProvider } from '../psp/payos/payouts.js';
import { createVnpayProvider } from '../psp/vnpay/adapter.js';
import { startSandboxPsp } from '../sandbox/server.js';

const TMN = 'BENCHMRC';
const SECRET = 'bench-hash-secret-0123456789abcdef';
const PAYOS_PAYOUT = {
  clientId: 'bench-payout-client',
  apiKey: 'bench-payout-api-key-0123456789',
  checksumKey: 'bench-payout-checksum-key-0123456789abcdef',
};

type SandboxOptions = Parameters<typeof startSandboxPsp>[0];

export async function startSandboxRails(options: Pick<SandboxOptions, 'ipnUrl' | 'ipnRetry'>) {
  const sandbox = await startSandboxPsp({
    port: 0,
    tmnCode: TMN,
    hashSecret: SECRET,
    payosPayout: PAYOS_PAYOUT,
    ...options,
  });
  const provider = createVnpayProvider({
    baseUrl: sandbox.url,
    tmnCode: TMN,
    hashSecret: SECRET,
    timeoutMs: 10_000,
  });
  const payouts = createPayosPayoutProvider({
    baseUrl: sandbox.url,
    ...PAYOS_PAYOUT,
    timeoutMs: 10_000,
  });
  return { sandbox, provider, payouts };
}
