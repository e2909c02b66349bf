import type { CheckoutStatus } from '../domain/checkout.js';
import type { PaymentLinkInfo } from '../domain/escrow.js';
import type { EscrowStatus } from '../domain/lifecycle.js';
import type { Rail } from '../domain/rails.js';
import type { TenantScope } from '../domain/tenant.js';
import type { EscrowView } from '../domain/view.js';
import type { Sql } from '../infra/db.js';

// Multi-seller checkouts (migrations/0090_checkouts.sql): the cart, its one payment, and the
// escrows it funds. The checkout workflow writes them; the API and the callback route read them.

export type { CheckoutStatus };

/** Checkout ids are `chk_` + 20 hex digits; escrow ids `esc_…`: the prefix tells them apart. */
export const isCheckoutId = (id: string): boolean => id.startsWith('chk_');

export interface CheckoutEscrowShare {
  escrowId: string;
  sellerId: string;
  amount: number;
}

export interface NewCheckout {
  checkoutId: string;
  platformId: string;
  reference: string;
  buyerId: string;
  currency: string;
  amount: number;
  rail: Rail;
  escrows: CheckoutEscrowShare[];
}

/** Writes the checkout and its escrows once; a retried call changes nothing. */
export async function insertCheckout(sql: Sql, c: NewCheckout): Promise<void> {
  await sql.begin(async (tx) => {
    const inserted = await tx`
      insert into checkouts (id, platform_id, reference, buyer_id, currency, amount, rail, status)
      values (${c.checkoutId}, ${c.platformId}, ${c.reference}, ${c.buyerId}, ${c.currency},
              ${BigInt(c.amount)}, ${c.rail}, 'awaiting_payment')
      on conflict (id) do nothing
      returning id`;
    if (inserted.length === 0) return;
    for (const [position, e] of c.escrows.entries()) {
      await tx`
        insert into checkout_escrows (checkout_id, escrow_id, seller_id, amount, position)
        values (${c.checkoutId}, ${e.escrowId}, ${e.sellerId}, ${BigInt(e.amount)}, ${position})`;
    }
  });
}

/** The checkout's status moves forward only: awaiting_payment → paid or expired. */
export async function updateCheckout(
  sql: Sql,
  checkoutId: string,
  update: {
    status?: CheckoutStatus;
    paymentLink?: PaymentLinkInfo;
    paymentTransactionId?: string;
  },
): Promise<void> {
  await sql`
    update checkouts set
      status = case when status = 'awaiting_payment'
                    then coalesce(${update.status ?? null}::text, status) else status end,
      payment_link = coalesce(${update.paymentLink ? sql.json(update.paymentLink as never) : null}::jsonb, payment_link),
      payment_transaction_id = coalesce(payment_transaction_id, ${update.paymentTransactionId ?? null}::text),
      updated_at = now()
    where id = ${checkoutId}`;
}

/** Keeps the rail's order reference (payOS's orderCode); false while the row is not there. */
export async function keepCheckoutOrderRef(
  sql: Sql,
  checkoutId: string,
  orderRef: string,
): Promise<boolean> {
  const rows =
    await sql`update checkouts set order_ref = ${orderRef} where id = ${checkoutId} returning id`;
  return rows.length > 0;
}

export interface CheckoutRecord {
  id: string;
  platformId: string;
  reference: string;
  buyerId: string;
  currency: string;
  amount: number;
  rail: Rail;
  status: CheckoutStatus;
  paymentLink: PaymentLinkInfo | null;
  paymentTransactionId: string | null;
  createdAt: Date;
  escrows: CheckoutEscrowShare[];
}

const checkoutColumns = (sql: Sql) => sql`
  id, platform_id as "platformId", reference, buyer_id as "buyerId", currency,
  amount, rail, status, payment_link as "paymentLink",
  payment_transaction_id as "paymentTransactionId", created_at as "createdAt"`;

type CheckoutRow = Omit<CheckoutRecord, 'escrows' | 'amount'> & { amount: bigint };

// Amounts are int8 (bigint) in Postgres; the API's and the workflows' are safe integers.
async function withShares(
  sql: Sql,
  row: CheckoutRow | undefined,
): Promise<CheckoutRecord | undefined> {
  if (!row) return undefined;
  const escrows = await sql<{ escrowId: string; sellerId: string; amount: bigint }[]>`
    select escrow_id as "escrowId", seller_id as "sellerId", amount
      from checkout_escrows where checkout_id = ${row.id} order by position`;
  return {
    ...row,
    amount: Number(row.amount),
    escrows: escrows.map((e) => ({ ...e, amount: Number(e.amount) })),
  };
}

/** A checkout by id, whatever its platform (the worker's and the callback route's view). */
export async function getCheckout(sql: Sql, checkoutId: string) {
  const [row] = await sql<CheckoutRow[]>`
    select ${checkoutColumns(sql)} from checkouts where id = ${checkoutId}`;
  return withShares(sql, row);
}

/** The checkout a rail's order reference names: our id, or the rail's own (payOS's orderCode). */
export async function findCheckoutByOrderRef(sql: Sql, reference: string) {
  const [row] = await sql<CheckoutRow[]>`
    select ${checkoutColumns(sql)} from checkouts
     where id = ${reference} or order_ref = ${reference}
     limit 1`;
  return withShares(sql, row);
}

/** A checkout if this scope sees it (its platform's, or any for ops). */
export async function getScopedCheckout(sql: Sql, scope: TenantScope, checkoutId: string) {
  const [row] = await sql<CheckoutRow[]>`
    select ${checkoutColumns(sql)} from checkouts
     where id = ${checkoutId}
       ${scope.platformId === null ? sql`` : sql`and platform_id = ${scope.platformId}`}`;
  return withShares(sql, row);
}

export interface CheckoutEscrowState extends CheckoutEscrowShare {
  /** Absent while the escrow's workflow has not recorded its first event yet. */
  status?: EscrowStatus;
  money?: EscrowView['money'];
}

/** Each of the checkout's escrows with its current state from the read model. */
export async function checkoutEscrowStates(
  sql: Sql,
  checkoutId: string,
): Promise<CheckoutEscrowState[]> {
  const rows = await sql<
    {
      escrowId: string;
      sellerId: string;
      amount: bigint;
      status: EscrowStatus | null;
      view: EscrowView | null;
    }[]
  >`
    select ce.escrow_id as "escrowId", ce.seller_id as "sellerId", ce.amount,
           e.status, e.view
      from checkout_escrows ce left join escrows e on e.id = ce.escrow_id
     where ce.checkout_id = ${checkoutId}
     order by ce.position`;
  return rows.map(({ status, view, amount, ...share }) => ({
    ...share,
    amount: Number(amount),
    ...(status === null ? {} : { status }),
    ...(view === null ? {} : { money: view.money }),
  }));
}

/** The checkout of each of these escrows that belongs to one, by escrow id. */
export async function checkoutsOfEscrows(
  sql: Sql,
  escrowIds: readonly string[],
): Promise<Map<string, string>> {
  if (escrowIds.length === 0) return new Map();
  const rows = await sql<{ escrowId: string; checkoutId: string }[]>`
    select escrow_id as "escrowId", checkout_id as "checkoutId"
      from checkout_escrows where escrow_id in ${sql([...escrowIds])}`;
  return new Map(rows.map((r) => [r.escrowId, r.checkoutId]));
}

/** Each checkout's escrow ids, by checkout id. */
export async function escrowsOfCheckouts(
  sql: Sql,
  checkoutIds: readonly string[],
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (checkoutIds.length === 0) return result;
  const rows = await sql<{ escrowId: string; checkoutId: string }[]>`
    select escrow_id as "escrowId", checkout_id as "checkoutId"
      from checkout_escrows where checkout_id in ${sql([...checkoutIds])} order by position`;
  for (const r of rows) result.set(r.checkoutId, [...(result.get(r.checkoutId) ?? []), r.escrowId]);
  return result;
}

/** Each checkout's payment link date and rail, by id (as `paymentLinks` for escrows). */
export async function checkoutPaymentLinks(
  sql: Sql,
  checkoutIds: readonly string[],
): Promise<Map<string, { createdAt: Date; rail: Rail }>> {
  if (checkoutIds.length === 0) return new Map();
  const rows = await sql<{ id: string; createdAt: string; rail: Rail }[]>`
    select id, payment_link->>'createdAt' as "createdAt", rail
      from checkouts where id in ${sql([...checkoutIds])} and payment_link ? 'createdAt'`;
  return new Map(
    rows.map((row) => [row.id, { createdAt: new Date(row.createdAt), rail: row.rail }]),
  );
}
