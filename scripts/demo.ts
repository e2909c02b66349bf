// npm run demo [-- --rail vnpay|momo|zalopay|payos]: drives a running `npm run dev` through the
// public API, printing every step, with the buyer paying on that rail (default: the API's first
// enabled rail).
//   1. an escrow paid at the rail's sandbox page, shipped, delivered, accepted and paid out;
//   2. an escrow disputed by the buyer (party token) and resolved by ops as a split (payOS
//      cannot refund: there the buyer's part fails for good and waits for ops);
//   3. a two-seller cart (POST /v1/checkouts) paid once: one seller ships, the buyer disputes
//      one of its two items (ops refund it) and accepts the other (paid out); the other seller
//      cancels and only its share is refunded; the ledger per seller.
// API_URL (default http://HOST:PORT) and OPS_API_KEY come from the same configuration as dev.
// Every API call goes through the typed client (clients/typescript): paths, bodies and answers
// are checked by the compiler against the OpenAPI document.
import { parseArgs } from 'node:util';
import { createEscrowClient, type EscrowClient, type Schema } from '../clients/typescript/index.js';
import { RAILS, type Rail } from '../domain/rails.js';
import { loadConfig } from '../infra/config.js';
import { RAIL_REGISTRY } from '../psp/registry.js';

const config = loadConfig();
const { values: args } = parseArgs({ options: { rail: { type: 'string' } } });
const isRail = (name: string): name is Rail => (RAILS as readonly string[]).includes(name);
if (args.rail !== undefined && !isRail(args.rail)) {
  process.stderr.write(`--rail must be one of ${RAILS.join(', ')}, not ${args.rail}\n`);
  process.exit(2);
}
const requestedRail = args.rail !== undefined && isRail(args.rail) ? args.rail : undefined;
const apiUrl = (process.env.API_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');
const started = Date.now();

const say = (text: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}\n`);
const money = (amount: number, currency: string) =>
  `${new Intl.NumberFormat('en-US').format(amount)} ${currency}`;

/** A client for one credential; every POST carries a fresh Idempotency-Key. */
const clientFor = (apiKey: string): EscrowClient =>
  createEscrowClient({ baseUrl: apiUrl, apiKey, idempotencyKeys: true });

/** What openapi-fetch answers: the body on success, else the (problem) error. */
type Answer<T> =
  | { data: T; error?: never; response: Response }
  | { data?: never; error: unknown; response: Response };

/** The answer's body, or an error naming the call and the API's problem detail. */
async function ok<T>(what: string, call: Promise<Answer<T>>): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined || data === null) {
    const detail =
      typeof error === 'object' && error !== null && 'detail' in error
        ? String(error.detail)
        : JSON.stringify(error);
    throw new Error(`${what} → ${response.status}: ${detail}`);
  }
  return data;
}

type Escrow = Schema<'Escrow'>;

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function payAtSandbox(url: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome: 'success' }),
  });
  if (!response.ok) throw new Error(`sandbox payment: ${response.status} ${await response.text()}`);
  say(`  buyer paid at the sandbox PSP's page (${new URL(url).pathname})`);
}

const newEscrow = (reference: string, description: string): Schema<'CreateEscrow'> => ({
  reference,
  buyerId: 'buyer_minh',
  sellerId: 'seller_lan',
  amount: 1_500_000,
  currency: 'VND',
  description,
  fee: 30_000,
  payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'TRAN THI LAN' },
  // Where a rail that cannot refund (payOS) pays the buyer back; the other rails ignore it.
  refundDestination: { bankCode: 'TCB', accountNumber: '1903456789', accountName: 'LE VAN MINH' },
  ...(requestedRail === undefined ? {} : { paymentMethod: requestedRail }),
});

async function printLedger(client: EscrowClient, id: string) {
  const l = await ok(
    'GET ledger',
    client.GET('/v1/escrows/{id}/ledger', { params: { path: { id } } }),
  );
  const rows: Array<[string, number]> = [
    ['funded (paid in by the buyer)', l.funded],
    ['held in escrow now', l.held],
    ['released to the seller (fee incl.)', l.released],
    ['refunded to the buyer', l.refunded],
    ['platform fee', l.fees],
    ['paid out to the seller', l.paidOut],
  ];
  say(`  ledger for ${id}:`);
  for (const [label, amount] of rows) {
    process.stdout.write(
      `          ${label.padEnd(38)} ${money(amount, l.currency ?? '').padStart(14)}\n`,
    );
  }
}

const escrowOf = (client: EscrowClient, id: string): Promise<Escrow> =>
  ok(`GET escrow ${id}`, client.GET('/v1/escrows/{id}', { params: { path: { id } } }));

const checkoutOf = (client: EscrowClient, id: string) =>
  ok(`GET checkout ${id}`, client.GET('/v1/checkouts/{id}', { params: { path: { id } } }));

/** The escrow of `id` as a path parameter. */
const at = (id: string) => ({ params: { path: { id } } });

async function main() {
  say(`API ${apiUrl}`);
  const ops = clientFor(config.OPS_API_KEY);
  const ready = await ops.GET('/readyz').catch(() => undefined);
  if (ready?.data?.status !== 'ready') {
    throw new Error(`the API is not ready at ${apiUrl}: start it with npm run dev`);
  }

  const platform = await ok(
    'POST /v1/platforms',
    ops.POST('/v1/platforms', { body: { name: 'Demo shop' } }),
  );
  const key = platform.apiKey;
  if (key === undefined) throw new Error('the new platform came without its API key');
  say(`ops created platform ${platform.id}; its API key is shown once: ${key.slice(0, 24)}…`);
  const shop = clientFor(key);

  say('— 1. The happy path —');
  const first = await ok(
    'POST /v1/escrows',
    shop.POST('/v1/escrows', { body: newEscrow('order-1001', 'Vintage camera') }),
  );
  say(
    `created escrow ${first.id}: ${first.status}, ${money(first.amount, first.currency)}, fee ${money(first.fee, first.currency)}, paid through ${first.paymentMethod}`,
  );
  const refundsByPayout = !RAIL_REGISTRY[first.paymentMethod].refunds;
  say(`  payment link: ${first.payment.url.slice(0, 90)}…`);
  await payAtSandbox(first.payment.url);
  await until(
    'funding',
    () => escrowOf(shop, first.id),
    (e) => e.status === 'funded',
  );
  say('  escrow funded (the PSP notified the API, the workflow booked it)');
  let e: Escrow = await ok(
    'ship',
    shop.POST('/v1/escrows/{id}/ship', {
      ...at(first.id),
      body: { carrier: 'GHN', trackingNumber: 'GHN8842001' },
    }),
  );
  say(`shipped → ${e.status}`);
  e = await ok('deliver', shop.POST('/v1/escrows/{id}/deliver', { ...at(first.id), body: {} }));
  say(`delivered → ${e.status} (inspection until ${e.deadlines.inspectionWindow})`);
  e = await ok('accept', shop.POST('/v1/escrows/{id}/accept', { ...at(first.id), body: {} }));
  say(`buyer accepted → ${e.status}`);
  e = await until(
    'payout',
    () => escrowOf(shop, first.id),
    (x) => x.payout.status === 'paid',
  );
  say(`paid out ${money(e.payout.amount, e.currency)} to the seller (payout ${e.payout.payoutId})`);
  await printLedger(shop, first.id);

  say('— 2. A dispute resolved as a split —');
  const second = await ok(
    'POST /v1/escrows',
    shop.POST('/v1/escrows', { body: newEscrow('order-1002', 'Leather jacket') }),
  );
  say(`created escrow ${second.id}`);
  await payAtSandbox(second.payment.url);
  await until(
    'funding',
    () => escrowOf(shop, second.id),
    (x) => x.status === 'funded',
  );
  say('  escrow funded');
  const tokenFor = async (role: 'buyer' | 'seller') =>
    (
      await ok(
        `party token (${role})`,
        shop.POST('/v1/escrows/{id}/party-tokens', {
          ...at(second.id),
          body: { role, ttlSeconds: 900 },
        }),
      )
    ).token;
  const [buyer, seller] = [clientFor(await tokenFor('buyer')), clientFor(await tokenFor('seller'))];
  say('  party tokens issued to the buyer and the seller (this escrow only, 15 minutes)');
  e = await ok(
    'ship (seller)',
    seller.POST('/v1/escrows/{id}/ship', {
      ...at(second.id),
      body: { carrier: 'Viettel Post', trackingNumber: 'VTP55120' },
    }),
  );
  say(`seller (own token) shipped → ${e.status}`);
  e = await ok(
    'open dispute (buyer)',
    buyer.POST('/v1/escrows/{id}/disputes', {
      ...at(second.id),
      body: { reason: 'not_as_described', details: 'The jacket is a size smaller than listed.' },
    }),
  );
  say(`buyer (own token) opened a dispute → ${e.status}`);
  e = await ok(
    'respond (seller)',
    seller.POST('/v1/escrows/{id}/disputes/respond', {
      ...at(second.id),
      body: { message: 'Size chart was in the listing; offering a partial refund.' },
    }),
  );
  say('seller answered the dispute');
  e = await ok(
    'resolve (ops)',
    ops.POST('/v1/escrows/{id}/disputes/resolve', {
      ...at(second.id),
      body: { outcome: 'split', sellerAmount: 1_000_000 },
    }),
  );
  const r = e.dispute?.resolution;
  if (!r) throw new Error('the resolved dispute has no resolution');
  say(
    `ops resolved: split → seller ${money(r.sellerAmount, e.currency)}, buyer ${money(r.buyerAmount, e.currency)} → ${e.status}`,
  );
  e = await until(
    'payout and refund',
    () => escrowOf(shop, second.id),
    (x) => x.payout.status === 'paid' && x.refunds.every((f) => f.status === 'succeeded'),
  );
  say(
    `refunded ${money(e.money.refunded, e.currency)} to the buyer${refundsByPayout ? ` (${e.paymentMethod} cannot refund: paid out to the buyer's account)` : ''}, paid out ${money(e.payout.amount, e.currency)} to the seller`,
  );
  await printLedger(shop, second.id);

  say('— 3. A two-seller cart, paid once —');
  const cartSeller = (
    sellerId: string,
    accountName: string,
    items: Array<[string, number]>,
  ): Schema<'CheckoutSeller'> => ({
    sellerId,
    payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName },
    fee: 10_000,
    items: items.map(([description, amount], index) => ({
      id: `${sellerId}-${index + 1}`,
      description,
      amount,
    })),
  });
  const cart = await ok(
    'POST /v1/checkouts',
    shop.POST('/v1/checkouts', {
      body: {
        reference: 'cart-2001',
        buyerId: 'buyer_minh',
        currency: 'VND',
        description: 'Cart 2001',
        refundDestination: {
          bankCode: 'TCB',
          accountNumber: '1903456789',
          accountName: 'LE VAN MINH',
        },
        ...(requestedRail === undefined ? {} : { paymentMethod: requestedRail }),
        sellers: [
          cartSeller('seller_lan', 'TRAN THI LAN', [
            ['Film camera', 900_000],
            ['Camera strap', 100_000],
          ]),
          cartSeller('seller_hoa', 'PHAM THI HOA', [['Tripod', 600_000]]),
        ],
      },
    }),
  );
  const [lan, hoa] = cart.escrows;
  if (!lan || !hoa) throw new Error('the checkout has not two escrows');
  say(
    `created checkout ${cart.id}: one payment link, escrows ${cart.escrows
      .map((x) => `${x.id} (${x.sellerId}, ${money(x.amount, 'VND')})`)
      .join(' and ')}`,
  );
  await payAtSandbox(cart.payment.url);
  await until(
    'the checkout paid',
    () => checkoutOf(shop, cart.id),
    (c) => c.status === 'paid' && c.escrows.every((x) => x.status === 'funded'),
  );
  say(`  checkout paid once, ${money(lan.amount + hoa.amount, 'VND')}: both escrows funded`);
  await ok(
    'ship',
    shop.POST('/v1/escrows/{id}/ship', {
      ...at(lan.id),
      body: { carrier: 'GHN', trackingNumber: 'GHN9900123' },
    }),
  );
  await ok('deliver', shop.POST('/v1/escrows/{id}/deliver', { ...at(lan.id), body: {} }));
  e = await ok(
    'open dispute',
    shop.POST('/v1/escrows/{id}/disputes', {
      ...at(lan.id),
      body: { reason: 'damaged', details: 'The strap arrived torn.', items: [`${lan.sellerId}-2`] },
    }),
  );
  say(
    `${lan.sellerId}: shipped, delivered; the buyer disputes the strap only → frozen ${money(e.money.frozen, 'VND')}, the camera still under inspection`,
  );
  e = await ok(
    'accept',
    shop.POST('/v1/escrows/{id}/accept', { ...at(lan.id), body: { items: [`${lan.sellerId}-1`] } }),
  );
  say(
    `  the buyer accepts the camera → ${(e.items ?? []).map((i) => `${i.id} ${i.status}`).join(', ')}`,
  );
  e = await ok(
    'resolve (ops)',
    ops.POST('/v1/escrows/{id}/disputes/resolve', { ...at(lan.id), body: { outcome: 'refund' } }),
  );
  say(`  ops refund the strap → ${e.status}`);
  e = await ok(
    'cancel',
    shop.POST('/v1/escrows/{id}/cancel', { ...at(hoa.id), body: { reason: 'out of stock' } }),
  );
  say(`${hoa.sellerId}: cancelled (out of stock) → ${e.status}`);
  await until(
    'payout and partial refund',
    () => checkoutOf(shop, cart.id),
    (c) => c.escrows.every((x) => x.money?.held === 0),
  );
  const lanView = await until(
    'payout',
    () => escrowOf(shop, lan.id),
    (x) => x.payout.status === 'paid' && x.refunds.every((f) => f.status === 'succeeded'),
  );
  const hoaView = await until(
    'refund',
    () => escrowOf(shop, hoa.id),
    (x) => x.refunds.every((f) => f.status === 'succeeded'),
  );
  say(
    `paid out ${money(lanView.payout.amount, 'VND')} to ${lan.sellerId} (the camera, less the fee); refunded ${money(lanView.money.refunded, 'VND')} (the strap) and ${money(hoaView.money.refunded, 'VND')} (${hoa.sellerId}'s share) of the one payment`,
  );
  for (const share of [lan, hoa]) {
    say(`  ${share.sellerId}:`);
    await printLedger(shop, share.id);
  }

  const check = await ok('ledger check', ops.GET('/v1/ledger/check'));
  say(`ledger invariants: ${check.ok ? 'OK' : `VIOLATED ${JSON.stringify(check.violations)}`}`);
  if (!check.ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
