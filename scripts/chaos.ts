// npm run chaos [-- --escrows N] [--concurrency C] [--verbose]: proves that the API and the
// worker keep no state of their own. Starts one Postgres and one Temporal dev server (temporary
// folder, free ports), the sandbox PSP, two API and two worker processes; registers a webhook
// endpoint served here; drives N escrows (default 300) through both APIs in turn, each down one
// of three paths (release, split, refund), while SIGKILLing a worker every few seconds (and
// restarting it), SIGKILLing one API once, and restarting Temporal and Postgres once each. Then
// it waits for every escrow to settle and checks the sandbox's records (each payout and refund
// once), the ledger invariants and the webhooks (each event once, in order per escrow). Ends
// with one JSON line of counts; exit 0 only when nothing was lost, paid twice, missing or out
// of order.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { WebhookReceiver } from './chaos/receiver.js';
import { ChaosStack } from './chaos/stack.js';
import { prefixedWriter } from './lib/log-prefix.js';

const { values: args } = parseArgs({
  options: {
    escrows: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '12' },
    'settle-timeout': { type: 'string', default: '300' },
    verbose: { type: 'boolean', default: false },
  },
});
const total = Number(args.escrows);
const concurrency = Number(args.concurrency);
const settleTimeoutMs = Number(args['settle-timeout']) * 1000;
if (!Number.isInteger(total) || total < 3 || !Number.isInteger(concurrency) || concurrency < 1) {
  process.stderr.write('--escrows must be an integer ≥ 3, --concurrency ≥ 1\n');
  process.exit(2);
}

const started = Date.now();
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
const log = prefixedWriter('chaos');
const say = (text: string) => log(`[${elapsed().padStart(6)}s] ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// biome-ignore lint/suspicious/noExplicitAny: the driver reads what the API answers
type Json = any;
type Path = 'release' | 'split' | 'refund';
const PATHS: Path[] = ['release', 'split', 'refund'];

const stack = new ChaosStack({ verbose: args.verbose });
const receiver = new WebhookReceiver();
const counts = { workerKills: 0, apiKills: 0, temporalRestarts: 0, postgresRestarts: 0 };
let turn = 0;
let retries = 0;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One request, to either API in turn; retried (the same Idempotency-Key) on connection errors,
 * 5xx, 429 and an in-flight 409, for up to three minutes: the processes behind may be down.
 */
async function api(method: string, path: string, token: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['idempotency-key'] = randomUUID();
  const deadline = Date.now() + 180_000;
  for (let attempt = 0; ; attempt++) {
    const base = stack.apiUrls[turn++ % stack.apiUrls.length];
    let problem: string;
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      const json: Json = text ? JSON.parse(text) : undefined;
      if (response.ok) return json;
      const transient =
        response.status >= 500 ||
        response.status === 429 ||
        (response.status === 409 && String(json?.type).includes('idempotency-key-in-use'));
      problem = `${method} ${path} → ${response.status}: ${json?.detail ?? text}`;
      if (!transient) throw new ApiError(response.status, problem);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      problem = `${method} ${path}: ${String(error)}`;
    }
    if (Date.now() > deadline) throw new Error(`gave up: ${problem}`);
    retries++;
    await sleep(Math.min(250 * 2 ** attempt, 3_000));
  }
}

async function until(
  what: string,
  read: () => Promise<Json>,
  done: (value: Json) => boolean,
  timeoutMs: number,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function payAtSandbox(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ outcome: 'success' }),
      });
      if (response.ok) return;
      throw new Error(`sandbox payment: ${response.status} ${await response.text()}`);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}

const WINDOWS = {
  paymentWindow: 'PT20M',
  shippingWindow: 'PT30M',
  deliveryWindow: 'PT30M',
  inspectionWindow: 'PT30M',
  sellerResponseWindow: 'PT30M',
  opsDecisionSla: 'PT30M',
};
const AMOUNT = 1_000_000;

interface Driven {
  id?: string;
  path: Path;
  error?: string;
}

async function drive(index: number, key: string, driven: Driven): Promise<void> {
  const ops = stack.opsKey;
  const escrow = await api('POST', '/v1/escrows', key, {
    reference: `chaos-${index}`,
    buyerId: `buyer_${index}`,
    sellerId: `seller_${index % 7}`,
    amount: AMOUNT,
    currency: 'VND',
    description: `Chaos order ${index} (${driven.path})`,
    fee: 20_000,
    payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'SELLER' },
    windows: WINDOWS,
  });
  driven.id = escrow.id;
  const id = escrow.id as string;
  await payAtSandbox(escrow.payment.url);
  await until(
    `${id} funded`,
    () => api('GET', `/v1/escrows/${id}`, key),
    (e) => e.status === 'funded',
    240_000,
  );
  if (driven.path === 'refund') {
    await api('POST', `/v1/escrows/${id}/cancel`, key, { reason: 'out of stock' });
    return;
  }
  await api('POST', `/v1/escrows/${id}/ship`, key, { carrier: 'GHN', trackingNumber: `T${index}` });
  if (driven.path === 'release') {
    await api('POST', `/v1/escrows/${id}/deliver`, key);
    await api('POST', `/v1/escrows/${id}/accept`, key);
    return;
  }
  await api('POST', `/v1/escrows/${id}/disputes`, key, {
    reason: 'not_as_described',
    details: 'Smaller than listed.',
  });
  await api('POST', `/v1/escrows/${id}/disputes/resolve`, ops, {
    outcome: 'split',
    sellerAmount: 600_000,
  });
}

const settledView = (path: Path, e: Json): boolean => {
  const refundsDone =
    e.refunds.length > 0 && e.refunds.every((r: Json) => r.status === 'succeeded');
  if (path === 'release') return e.status === 'released' && e.payout.status === 'paid';
  if (path === 'split') return e.status === 'split' && e.payout.status === 'paid' && refundsDone;
  return ['cancelled', 'refunded'].includes(e.status) && refundsDone;
};

/** The chaos, while the driver runs: worker kills on a timer, the rest once each at set points. */
async function chaos(progress: () => number, done: () => boolean): Promise<void> {
  const onceAt: Array<[number, string, () => Promise<void>]> = [
    [
      0.2,
      'SIGKILL an API process',
      async () => {
        const index = counts.apiKills % 2;
        counts.apiKills++;
        await stack.kill('api', index, 2_000);
      },
    ],
    [
      0.4,
      'restart Temporal',
      async () => {
        counts.temporalRestarts++;
        await stack.restartTemporal(2_000);
      },
    ],
    [
      0.6,
      'restart Postgres',
      async () => {
        counts.postgresRestarts++;
        await stack.restartPostgres(2_000);
      },
    ],
  ];
  let nextKill = Date.now() + 3_000;
  while (!done() || onceAt.length > 0) {
    const next = onceAt[0];
    if (next && (progress() >= next[0] || done())) {
      onceAt.shift();
      say(`chaos: ${next[1]}`);
      await next[2]();
      say(`chaos: ${next[1]} — back up`);
    }
    if (Date.now() >= nextKill && !done()) {
      const index = counts.workerKills % 2;
      counts.workerKills++;
      await stack.kill('worker', index, 1_000);
      nextKill = Date.now() + 3_000 + Math.random() * 3_000;
    }
    await sleep(250);
  }
}

let finishing = false;
async function finish(code: number): Promise<never> {
  if (!finishing) {
    finishing = true;
    receiver.stop();
    await stack.stop();
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping everything`);
    void finish(130);
  });
}

async function main(): Promise<number> {
  say(
    `starting Postgres, Temporal, the sandbox PSP, 2 APIs and 2 workers; ${total} escrows, ${concurrency} at a time`,
  );
  await Promise.all([stack.start(), receiver.start()]);
  say(`stack up: APIs ${stack.apiUrls.join(', ')}; sandbox ${stack.sandboxUrl}`);
  const platform = await api('POST', '/v1/platforms', stack.opsKey, { name: 'Chaos shop' });
  const key = platform.apiKey as string;
  await api('POST', '/v1/webhook-endpoints', key, { url: receiver.url });
  say(`platform ${platform.id}, webhook endpoint ${receiver.url}`);

  const driven: Driven[] = Array.from({ length: total }, (_, i) => ({
    path: PATHS[i % 3] as Path,
  }));
  let next = 0;
  let finished = 0;
  let driving = true;
  const chaosRun = chaos(
    () => finished / total,
    () => !driving,
  );
  const workers = Array.from({ length: Math.min(concurrency, total) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= total) return;
      const item = driven[index] as Driven;
      try {
        await drive(index, key, item);
      } catch (error) {
        item.error = error instanceof Error ? error.message : String(error);
        say(`escrow ${index} (${item.path}) failed to drive: ${item.error}`);
      }
      finished++;
      if (finished % Math.max(1, Math.floor(total / 10)) === 0) {
        say(`driven ${finished}/${total} (${retries} retried requests so far)`);
      }
    }
  });
  await Promise.all(workers);
  driving = false;
  say('all escrows driven; finishing the chaos');
  await chaosRun;

  // Settle: every escrow terminal, payout and refunds done.
  say('waiting for every escrow to settle');
  const deadline = Date.now() + settleTimeoutMs;
  const views = new Map<string, Json>();
  const open = new Set(driven.filter((d) => d.id));
  while (open.size > 0 && Date.now() < deadline) {
    for (const item of [...open]) {
      const view = await api('GET', `/v1/escrows/${item.id}`, key).catch(() => undefined);
      if (view) views.set(item.id as string, view);
      if (view && settledView(item.path, view)) open.delete(item);
    }
    if (open.size > 0) await sleep(2_000);
  }
  const settledIds = new Set(driven.filter((d) => d.id && !open.has(d)).map((d) => d.id as string));

  // The sandbox's own records: payouts by idempotency key (it names the escrow), refunds by
  // txnRef (the escrow id).
  const sandbox = async (what: string): Promise<Json[]> =>
    (await fetch(`${stack.sandboxUrl}/_sandbox/${what}`)).json() as Promise<Json[]>;
  const [payouts, refunds] = await Promise.all([sandbox('payouts'), sandbox('refunds')]);
  let paidTwice = 0;
  let refundedTwice = 0;
  let recordsWrong = 0;
  for (const item of driven) {
    if (!item.id) continue;
    const id = item.id;
    const paid = payouts.filter(
      (p) => String(p.idempotencyKey).includes(id) && p.status !== 'failed',
    ).length;
    const refunded = refunds.filter((r) => r.txnRef === id && r.status !== 'failed').length;
    const wantPaid = item.path === 'refund' ? 0 : 1;
    const wantRefunds = item.path === 'release' ? 0 : 1;
    if (paid > 1) paidTwice++;
    if (refunded > wantRefunds) refundedTwice++;
    if (settledIds.has(id) && (paid < wantPaid || refunded < wantRefunds)) {
      recordsWrong++;
      settledIds.delete(id);
      say(
        `escrow ${id} (${item.path}) settled but the sandbox shows ${paid} payouts, ${refunded} refunds`,
      );
    }
  }

  const check = await api('GET', '/v1/ledger/check', stack.opsKey);
  if (!check.ok) say(`ledger check: VIOLATED ${JSON.stringify(check.violations).slice(0, 2000)}`);

  // Webhooks: every event recorded for this platform's escrows, once, in order per escrow.
  const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => {} });
  let expected: Array<{ escrow_id: string; seq: number }> = [];
  const webhookDeadline = Date.now() + 120_000;
  let webhookMissing = 0;
  for (;;) {
    expected = await sql<Array<{ escrow_id: string; seq: number }>>`
      select escrow_id, seq from webhook_outbox where platform_id = ${platform.id as string}`;
    webhookMissing = expected.filter((e) => !receiver.seen.has(`${e.escrow_id}:${e.seq}`)).length;
    if (webhookMissing === 0 || Date.now() > webhookDeadline) break;
    await sleep(2_000);
  }
  const [{ events }] = (await sql`
    select count(*)::int as events from escrow_events e
      where e.escrow_id = any(${driven.filter((d) => d.id).map((d) => d.id as string)})`) as unknown as [
    { events: number },
  ];
  await sql.end();
  if (events !== expected.length) {
    say(`${events} escrow events recorded, but ${expected.length} in the webhook outbox`);
    webhookMissing += Math.max(0, events - expected.length);
  }
  let webhookOutOfOrder = 0;
  for (const seqs of receiver.arrivals.values()) {
    for (let i = 1; i < seqs.length; i++) {
      if ((seqs[i] as number) < (seqs[i - 1] as number)) webhookOutOfOrder++;
    }
  }

  const settled = settledIds.size;
  const lost = total - settled;
  for (const item of driven) {
    if (item.id && settledIds.has(item.id)) continue;
    const view = item.id ? views.get(item.id) : undefined;
    say(
      `not settled: ${item.id ?? '(never created)'} ${item.path}: ${item.error ?? ''} ${view ? `status ${view.status}, payout ${view.payout.status}, refunds ${JSON.stringify(view.refunds.map((r: Json) => r.status))}, attention ${JSON.stringify(view.attentionReasons)}` : ''}`,
    );
  }
  const result = {
    escrows: total,
    settled,
    lost,
    paidTwice,
    refundedTwice,
    webhookMissing,
    webhookOutOfOrder,
    webhookDuplicates: receiver.duplicates,
    ledgerClean: Boolean(check.ok),
    ...counts,
    selfExits: stack.selfExits,
    retriedRequests: retries,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const ok =
    lost === 0 &&
    paidTwice === 0 &&
    refundedTwice === 0 &&
    webhookMissing === 0 &&
    webhookOutOfOrder === 0 &&
    check.ok === true &&
    recordsWrong === 0;
  return ok ? 0 : 1;
}

main()
  .then((code) => finish(code))
  .catch((error: unknown) => {
    say(`chaos failed to run: ${error instanceof Error ? error.stack : String(error)}`);
    return finish(1);
  });
