// What a new escrow (alone, or as a cart's part) takes from its platform and its request: the
// collection rail, the refund rule that rail implies, the timer windows, the buyer's address.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { PayoutDestination } from '../domain/escrow.js';
import { DEFAULT_WINDOWS, type Timer } from '../domain/lifecycle.js';
import type { Rail } from '../domain/rails.js';
import { RAIL_REGISTRY } from '../psp/registry.js';
import { listPlatformRails } from '../store/platform-rails.js';
import { findPlatform } from '../store/platforms.js';
import type { RouteDeps } from './deps.js';
import { validationFailed } from './errors.js';
import { type WindowsInput, windowsToMs } from './schemas/common.js';

export interface CollectionRequest {
  paymentMethod?: Rail | undefined;
  currency: string;
  refundDestination?: PayoutDestination | undefined;
  windows?: WindowsInput | undefined;
}

/**
 * The rail the buyer pays `amount` through (the platform's own rails first; a 422 outside its
 * limits) and the windows (defaults, the platform's, the request's). A rail that cannot refund
 * needs the buyer's account: refunds go out to it as payouts.
 */
export async function collectionTerms(
  { sql, currencies }: Pick<RouteDeps, 'sql' | 'currencies'>,
  platformId: string,
  request: CollectionRequest,
  amount: number,
): Promise<{ rail: Rail; windows: Record<Timer, number> }> {
  const [platform, ownRails] = await Promise.all([
    findPlatform(sql, platformId),
    listPlatformRails(sql, platformId),
  ]);
  const rail = currencies.railFor(
    request.paymentMethod,
    amount,
    request.currency,
    ownRails.map((r) => r.rail),
  );
  if (!RAIL_REGISTRY[rail].refunds && request.refundDestination === undefined) {
    throw validationFailed([
      {
        field: 'body.refundDestination',
        message: `${rail} cannot refund to the payer: refunds go out as payouts, so the buyer's bank account (refundDestination) is required`,
      },
    ]);
  }
  const windows = {
    ...DEFAULT_WINDOWS,
    ...platform?.defaultWindows,
    ...windowsToMs(request.windows),
  };
  return { rail, windows };
}

/** The buyer's address for the PSP's fraud checks: the caller's, as we see it. */
export function clientIp(c: Context): string {
  try {
    const address = getConnInfo(c).remote.address;
    return address?.replace(/^::ffff:/, '') || '127.0.0.1';
  } catch {
    return '127.0.0.1';
  }
}
