// The sandbox PSP a bench runs against, with the VNPay and payOS payout adapters pointed at it,
// and the escrow each bench opens: one set of merchant credentials and terms for every bench that
// drives escrows without the dev stack.
import { DEFAULT_WINDOWS } from '../domain/lifecycle.js';
import { createPayosPayoutProvider } from '../psp/payos/payouts.js';
import { createVnpayProvider } from '../psp/vnpay/adapter.js';
import { startSandboxPsp } from '../sandbox/server.js';
import type { EscrowWorkflowInput } from '../workflows/escrow.js';

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

/** The i-th escrow a bench opens: 1,500,000 VND with a 30,000 fee, sellers spread over ten. */
export function benchEscrowInput(escrowId: string, i: number): EscrowWorkflowInput {
  return {
    terms: {
      escrowId,
      platformId: 'plt_bench',
      reference: `order-${i}`,
      buyerId: `buyer_${i}`,
      sellerId: `seller_${i % 10}`,
      amount: 1_500_000,
      currency: 'VND',
      fee: 30_000,
      description: 'bench',
      payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'BENCH' },
      windows: DEFAULT_WINDOWS,
    },
    returnUrl: 'http://127.0.0.1/return',
    clientIp: '127.0.0.1',
  };
}
