// Every fact the reducer (domain/escrow.ts) can record in an escrow's timeline. `record()` takes
// only these names, so this list cannot drift from what is recorded: each one is stored in
// `escrow_events`, and sent to platforms as the webhook event `escrow.<type>`
// (webhooks/event-payload.ts), documented in the OpenAPI document's `webhooks` (api/webhooks-doc.ts).

/** Each event type with a one-line description (the order is roughly an escrow's life). */
export const EVENT_TYPES = {
  created: 'The escrow was created; it waits for the buyer to pay.',
  payment_confirmed: "The buyer's payment was confirmed by the rail: the escrow is funded.",
  payment_rejected:
    'A payment arrived that the escrow cannot take (wrong amount or currency, too late, or a second one); it is refunded.',
  expired: 'Nobody paid within the payment window (or the checkout expired): the escrow is closed.',
  cancelled: 'Cancelled before payment.',
  cancelled_after_funding: 'Cancelled after payment: the buyer is refunded.',
  shipped: 'The seller shipped (carrier and tracking number).',
  shipping_window_elapsed: 'The seller did not ship in time: the buyer is refunded.',
  delivered: 'The goods were delivered (reported, or assumed when the delivery window ended).',
  milestone_started: 'The next milestone of a milestone escrow started.',
  milestone_delivered: 'The seller delivered a milestone.',
  inspection_extended: 'The buyer extended the inspection window (once).',
  inspection_elapsed: 'The inspection window ended without a dispute: the items are accepted.',
  accepted: 'The buyer accepted the goods (all, or the items named).',
  rejected: 'The buyer rejected items and will return them.',
  return_shipped: 'The buyer shipped rejected items back.',
  return_lapsed: 'The buyer did not ship the return in time: the items are released to the seller.',
  return_received: 'The seller confirmed receiving the return: the buyer is refunded for it.',
  return_receipt_assumed:
    'The seller neither confirmed nor disputed the return in time: it is taken as received and refunded.',
  dispute_opened: 'A dispute was opened (by the buyer, or by the seller over a return).',
  dispute_message: 'A party or an arbiter added a message (and evidence files) to the dispute.',
  dispute_responded: 'The seller responded to the dispute.',
  seller_response_elapsed: 'The seller did not respond to the dispute in time: the buyer wins.',
  dispute_escalated: 'The dispute passed its decision deadline and is flagged for ops.',
  dispute_resolved: 'An arbiter (or a timer) resolved the dispute: release, refund or a split.',
  funds_released: "Money moved from escrow to the seller's side (less the fee) in the ledger.",
  funds_refunded: 'Money moved from escrow back to the buyer in the ledger.',
  payout_started: 'A payout to the seller was sent to the payout rail.',
  payout_pending: 'The payout rail accepted the payout; its outcome is not known yet.',
  payout_succeeded: 'The seller was paid out.',
  payout_failed: 'The payout failed; ops may retry it.',
  payout_retry_requested: 'Ops asked to retry a failed payout (possibly to a new destination).',
  refund_started: 'A refund to the buyer was sent to the payment rail.',
  refund_pending: 'The rail accepted the refund; its outcome is not known yet.',
  refund_succeeded: 'The buyer was refunded.',
  refund_failed: 'A refund failed; ops may retry it.',
  refund_retry_requested: 'Ops asked to retry failed refunds.',
  attention_flagged: 'The escrow needs attention from ops (the reason is in the details).',
} as const satisfies Record<string, string>;

/** A type of event the reducer records (the webhook event type is `escrow.<EventType>`). */
export type EventType = keyof typeof EVENT_TYPES;

/** The event types, in the order of EVENT_TYPES. */
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

/** The prefix of webhook event types: `escrow.shipped`, … */
export const WEBHOOK_EVENT_PREFIX = 'escrow.';

/** A webhook event type: `escrow.<EventType>`. */
export type WebhookEventType = `escrow.${EventType}`;

/** The webhook event types platforms may receive: `escrow.<type>` for each event type. */
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = EVENT_TYPE_NAMES.map(
  (t): WebhookEventType => `escrow.${t}`,
);

export const isEventType = (name: string): name is EventType => Object.hasOwn(EVENT_TYPES, name);

/** Whether `name` is a webhook event type (`escrow.` + an event type). */
export const isWebhookEventType = (name: string): name is WebhookEventType =>
  name.startsWith(WEBHOOK_EVENT_PREFIX) && isEventType(name.slice(WEBHOOK_EVENT_PREFIX.length));
