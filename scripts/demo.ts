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
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RAILS, type Rail } from '../domain/rails.js';
import { loadConfig } from '../infra/config.js';
import { RAIL_REGISTRY } from '../psp/registry.js';

const config = loadConfig();
const { values: args } = parseArgs({ options: { rail: { type: 'string' } } });
if (args.rail !== undefined && !(RAILS as readonly string[]).includes(args.rail)) {
  process.stderr.write(`--rail must be one of ${RAILS.join(', ')}, not ${args.rail}\n`);
  process.exit(2);
}
const requestedRail = args.rail as Rail | undefined;
const apiUrl = (process.env.API_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');
const started = Date.now();

// biome-ignore lint/suspicious/noExplicitAny: the demo prints what the API answers
type Json = any;

const say = (text: string) =>
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}\n`);
const money = (amount: number, currency: string) =>
  `${new Intl.NumberFormat('en-US').format(amount)} ${currency}`;

async function api(method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['idempotency-key'] = randomUUID();
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json: Json = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    throw new Error(`${method} ${path} → ${response.status}: ${json?.detail ?? text}`);
  }
  return json;
}

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

const newEscrow = (reference: string, description: string) => ({
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

async function printLedger(id: string, apiKey: string) {
  const l = await api('GET', `/v1/escrows/${id}/ledger`, apiKey);
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
      `          ${label.padEnd(38)} ${money(amount, l.currency).padStart(14)}\n`,
    );
  }
}

const escrowOf = (id: string, token: string) => api('GET', `/v1/escrows/${id}`, token);

async function main() {
  say(`API ${apiUrl}`);
  const ready = await fetch(`${apiUrl}/readyz`).catch(() => undefined);
  if (!ready?.ok) throw new Error(`the API is not ready at ${apiUrl}: start it with npm run dev`);

  const platform = await api('POST', '/v1/platforms', config.OPS_API_KEY, { name: 'Demo shop' });
  say(
    `ops created platform ${platform.id}; its API key is shown once: ${platform.apiKey.slice(0, 24)}…`,
  );
  const key = platform.apiKey as string;

  say('— 1. The happy path —');
  const first = await api('POST', '/v1/escrows', key, newEscrow('order-1001', 'Vintage camera'));
  say(
    `created escrow ${first.id}: ${first.status}, ${money(first.amount, first.currency)}, fee ${money(first.fee, first.currency)}, paid through ${first.paymentMethod}`,
  );
  const refundsByPayout = !RAIL_REGISTRY[first.paymentMethod as Rail].refunds;
  say(`  payment link: ${first.payment.url.slice(0, 90)}…`);
  await payAtSandbox(first.payment.url);
  await until(
    'funding',
    () => escrowOf(first.id, key),
    (e) => e.status === 'funded',
  );
  say('  escrow funded (the PSP notified the API, the workflow booked it)');
  let e = await api('POST', `/v1/escrows/${first.id}/ship`, key, {
    carrier: 'GHN',
    trackingNumber: 'GHN8842001',
  });
  say(`shipped → ${e.status}`);
  e = await api('POST', `/v1/escrows/${first.id}/deliver`, key);
  say(`delivered → ${e.status} (inspection until ${e.deadlines.inspectionWindow})`);
  e = await api('POST', `/v1/escrows/${first.id}/accept`, key);
  say(`buyer accepted → ${e.status}`);
  e = await until(
    'payout',
    () => escrowOf(first.id, key),
    (x) => x.payout.status === 'paid',
  );
  say(`paid out ${money(e.payout.amount, e.currency)} to the seller (payout ${e.payout.payoutId})`);
  await printLedger(first.id, key);

  say('— 2. A dispute resolved as a split —');
  const second = await api('POST', '/v1/escrows', key, newEscrow('order-1002', 'Leather jacket'));
  say(`created escrow ${second.id}`);
  await payAtSandbox(second.payment.url);
  await until(
    'funding',
    () => escrowOf(second.id, key),
    (x) => x.status === 'funded',
  );
  say('  escrow funded');
  const tokenFor = async (role: 'buyer' | 'seller') =>
    (await api('POST', `/v1/escrows/${second.id}/party-tokens`, key, { role, ttlSeconds: 900 }))
      .token as string;
  const [buyer, seller] = [await tokenFor('buyer'), await tokenFor('seller')];
  say('  party tokens issued to the buyer and the seller (this escrow only, 15 minutes)');
  e = await api('POST', `/v1/escrows/${second.id}/ship`, seller, {
    carrier: 'Viettel Post',
    trackingNumber: 'VTP55120',
  });
  say(`seller (own token) shipped → ${e.status}`);
  e = await api('POST', `/v1/escrows/${second.id}/disputes`, buyer, {
    reason: 'not_as_described',
    details: 'The jacket is a size smaller than listed.',
  });
  say(`buyer (own token) opened a dispute → ${e.status}`);
  e = await api('POST', `/v1/escrows/${second.id}/disputes/respond`, seller, {
    message: 'Size chart was in the listing; offering a partial refund.',
  });
  say('seller answered the dispute');
  e = await api('POST', `/v1/escrows/${second.id}/disputes/resolve`, config.OPS_API_KEY, {
    outcome: 'split',
    sellerAmount: 1_000_000,
  });
  const r = e.dispute.resolution;
  say(
    `ops resolved: split → seller ${money(r.sellerAmount, e.currency)}, buyer ${money(r.buyerAmount, e.currency)} → ${e.status}`,
  );
  e = await until(
    'payout and refund',
    () => escrowOf(second.id, key),
    (x) => x.payout.status === 'paid' && x.refunds.every((f: Json) => f.status === 'succeeded'),
  );
  say(
    `refunded ${money(e.money.refunded, e.currency)} to the buyer${refundsByPayout ? ` (${e.paymentMethod} cannot refund: paid out to the buyer's account)` : ''}, paid out ${money(e.payout.amount, e.currency)} to the seller`,
  );
  await printLedger(second.id, key);

  say('— 3. A two-seller cart, paid once —');
  const cartSeller = (sellerId: string, accountName: string, items: Array<[string, number]>) => ({
    sellerId,
    payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName },
    fee: 10_000,
    items: items.map(([description, amount], index) => ({
      id: `${sellerId}-${index + 1}`,
      description,
      amount,
    })),
  });
  const cart = await api('POST', '/v1/checkouts', key, {
    reference: 'cart-2001',
    buyerId: 'buyer_minh',
    currency: 'VND',
    description: 'Cart 2001',
    refundDestination: { bankCode: 'TCB', accountNumber: '1903456789', accountName: 'LE VAN MINH' },
    ...(requestedRail === undefined ? {} : { paymentMethod: requestedRail }),
    sellers: [
      cartSeller('seller_lan', 'TRAN THI LAN', [
        ['Film camera', 900_000],
        ['Camera strap', 100_000],
      ]),
      cartSeller('seller_hoa', 'PHAM THI HOA', [['Tripod', 600_000]]),
    ],
  });
  const [lan, hoa] = cart.escrows as Array<{ id: string; sellerId: string; amount: number }>;
  if (!lan || !hoa) throw new Error('the checkout has not two escrows');
  say(
    `created checkout ${cart.id}: one payment link, escrows ${cart.escrows
      .map((x: Json) => `${x.id} (${x.sellerId}, ${money(x.amount, 'VND')})`)
      .join(' and ')}`,
  );
  await payAtSandbox(cart.payment.url);
  await until(
    'the checkout paid',
    () => api('GET', `/v1/checkouts/${cart.id}`, key),
    (c) => c.status === 'paid' && c.escrows.every((x: Json) => x.status === 'funded'),
  );
  say(`  checkout paid once, ${money(lan.amount + hoa.amount, 'VND')}: both escrows funded`);
  await api('POST', `/v1/escrows/${lan.id}/ship`, key, {
    carrier: 'GHN',
    trackingNumber: 'GHN9900123',
  });
  await api('POST', `/v1/escrows/${lan.id}/deliver`, key);
  e = await api('POST', `/v1/escrows/${lan.id}/disputes`, key, {
    reason: 'damaged',
    details: 'The strap arrived torn.',
    items: [`${lan.sellerId}-2`],
  });
  say(
    `${lan.sellerId}: shipped, delivered; the buyer disputes the strap only → frozen ${money(e.money.frozen, 'VND')}, the camera still under inspection`,
  );
  e = await api('POST', `/v1/escrows/${lan.id}/accept`, key, { items: [`${lan.sellerId}-1`] });
  say(
    `  the buyer accepts the camera → ${e.items.map((i: Json) => `${i.id} ${i.status}`).join(', ')}`,
  );
  e = await api('POST', `/v1/escrows/${lan.id}/disputes/resolve`, config.OPS_API_KEY, {
    outcome: 'refund',
  });
  say(`  ops refund the strap → ${e.status}`);
  e = await api('POST', `/v1/escrows/${hoa.id}/cancel`, key, { reason: 'out of stock' });
  say(`${hoa.sellerId}: cancelled (out of stock) → ${e.status}`);
  await until(
    'payout and partial refund',
    () => api('GET', `/v1/checkouts/${cart.id}`, key),
    (c) => c.escrows.every((x: Json) => x.money?.held === 0),
  );
  const lanView = await until(
    'payout',
    () => escrowOf(lan.id, key),
    (x) => x.payout.status === 'paid' && x.refunds.every((f: Json) => f.status === 'succeeded'),
  );
  const hoaView = await until(
    'refund',
    () => escrowOf(hoa.id, key),
    (x) => x.refunds.every((f: Json) => f.status === 'succeeded'),
  );
  say(
    `paid out ${money(lanView.payout.amount, 'VND')} to ${lan.sellerId} (the camera, less the fee); refunded ${money(lanView.money.refunded, 'VND')} (the strap) and ${money(hoaView.money.refunded, 'VND')} (${hoa.sellerId}'s share) of the one payment`,
  );
  for (const share of [lan, hoa]) {
    say(`  ${share.sellerId}:`);
    await printLedger(share.id, key);
  }

  const check = await api('GET', '/v1/ledger/check', config.OPS_API_KEY);
  say(`ledger invariants: ${check.ok ? 'OK' : `VIOLATED ${JSON.stringify(check.violations)}`}`);
  if (!check.ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
