import type { FuzzStack } from './fuzz-stack.js';

export interface Credentials {
  platformKey: string;
  /** An escrow of that platform, funded by nobody: the party token's scope. */
  escrowId: string;
  buyerToken: string;
}

async function post(stack: FuzzStack, path: string, token: string, body: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

const ESCROW = {
  reference: 'fuzz-order-1',
  buyerId: 'buyer_fuzz',
  sellerId: 'seller_fuzz',
  amount: 1_500_000,
  currency: 'VND',
  description: 'Fuzzing target',
  payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'NGUYEN VAN A' },
};

/**
 * A platform, one of its escrows and a buyer token for it. The first escrow also proves the
 * worker is up (it bundles the workflows at start): until then creating one answers 503.
 */
export async function fuzzCredentials(stack: FuzzStack, timeoutMs = 180_000): Promise<Credentials> {
  const platform = await post(stack, '/v1/platforms', stack.opsKey, { name: 'Fuzz shop' });
  if (platform.status !== 201) throw new Error(`creating the platform: ${platform.status}`);
  const platformKey = platform.body.apiKey as string;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const escrow = await post(stack, '/v1/escrows', platformKey, ESCROW);
    if (escrow.status === 201) {
      const escrowId = escrow.body.id as string;
      const token = await post(stack, `/v1/escrows/${escrowId}/party-tokens`, platformKey, {
        role: 'buyer',
        ttlSeconds: 86_400,
      });
      if (token.status !== 201) throw new Error(`creating the party token: ${token.status}`);
      return { platformKey, escrowId, buyerToken: token.body.token as string };
    }
    if (escrow.status !== 503 || Date.now() > deadline) {
      throw new Error(`creating the first escrow: ${escrow.status} ${JSON.stringify(escrow.body)}`);
    }
  }
}
