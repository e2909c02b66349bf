import { z } from '@hono/zod-openapi';
import { ITEM_STATUSES, STATUSES, TIMERS } from '../../domain/lifecycle.js';
import { RAILS } from '../../domain/rails.js';
import {
  MinorUnits,
  PageInfo,
  PayoutDestinationSchema,
  queryInteger,
  safeText,
  WindowsSchema,
  withoutControlChars,
} from './common.js';
import { checkItemsSum, ItemsSchema } from './items.js';

const text = (max: number, example: string) => safeText(max).openapi({ example });

export const CreateEscrowBody = z
  .strictObject({
    reference: text(100, 'order-10042').openapi({ description: "The platform's order reference." }),
    buyerId: text(100, 'buyer_778'),
    sellerId: text(100, 'seller_12'),
    amount: MinorUnits.min(1).openapi({ example: 1_500_000 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as VND')
      .openapi({ example: 'VND' }),
    description: text(255, 'Vintage camera Canon AE-1'),
    fee: MinorUnits.min(0).optional().openapi({
      example: 30_000,
      description: 'Platform fee kept on release, in minor units, 0 ≤ fee ≤ amount (default 0).',
    }),
    payoutDestination: PayoutDestinationSchema,
    refundDestination: PayoutDestinationSchema.optional().openapi({
      description:
        "The buyer's bank account, for a rail that cannot pay the buyer back itself (payOS): a refund then goes out as a payout to it. Required with `paymentMethod: payos`; unused otherwise.",
    }),
    paymentMethod: z.enum(RAILS).optional().openapi({
      description:
        "The rail the buyer pays through; default the platform's first configured rail (`GET /v1/platforms/{id}/rails`), else the deployment's first enabled rail. A platform with rails of its own may use only those. A rail not enabled, or an amount outside its limits, is a 422.",
      example: 'momo',
    }),
    items: ItemsSchema.optional(),
    release: z.enum(['together', 'milestones']).optional().openapi({
      description:
        '`together` (default): the items ship together and each is inspected on its own window. `milestones`: the items are deliverables, delivered, inspected and released one after another.',
    }),
    windows: WindowsSchema.optional(),
    returnUrl: withoutControlChars(z.url({ protocol: /^https?$/ }).max(1000))
      .optional()
      .openapi({ description: "Where the PSP sends the buyer's browser after paying." }),
    buyerIp: z.union([z.ipv4(), z.ipv6()]).optional().openapi({
      description:
        "The buyer's IP address, for the PSP's fraud checks; the caller's address when absent.",
      example: '203.113.152.10',
    }),
  })
  .superRefine((body, ctx) => {
    if (body.fee !== undefined && body.fee > body.amount) {
      ctx.addIssue({ code: 'custom', path: ['fee'], message: 'fee may not exceed amount' });
    }
    checkItemsSum(body.items, body.amount, ctx, ['items']);
    if (body.release === 'milestones' && body.items === undefined) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'milestones need items' });
    }
  })
  .openapi('CreateEscrow', {
    example: {
      reference: 'order-10042',
      buyerId: 'buyer_778',
      sellerId: 'seller_12',
      amount: 1_500_000,
      currency: 'VND',
      description: 'Vintage camera Canon AE-1',
      fee: 30_000,
      payoutDestination: {
        bankCode: 'VCB',
        accountNumber: '0123456789',
        accountName: 'NGUYEN VAN A',
      },
      windows: { paymentWindow: 'PT30M', inspectionWindow: 'P3D' },
    },
  });

export type CreateEscrowInput = z.infer<typeof CreateEscrowBody>;

const iso = z.string().openapi({ format: 'date-time', example: '2026-05-01T08:30:00.000Z' });

// One shape for both the escrow and the escrow just created: the latter's `payment` is the link
// to pay, not the payment received, so it is a schema of its own rather than an allOf whose two
// `payment` properties no response could satisfy at once.
export const escrowShape = {
  id: z.string().openapi({ example: 'esc_4f9a1c2b3d4e5f607182' }),
  platformId: z.string(),
  reference: z.string(),
  buyerId: z.string(),
  sellerId: z.string(),
  description: z.string(),
  status: z.enum(STATUSES),
  statusSince: iso.optional(),
  amount: MinorUnits,
  currency: z.string(),
  fee: MinorUnits,
  paymentMethod: z.enum(RAILS).openapi({ description: 'The rail the buyer pays through.' }),
  release: z.enum(['together', 'milestones']),
  money: z
    .object({
      funded: MinorUnits,
      released: MinorUnits,
      fees: MinorUnits,
      refunded: MinorUnits,
      held: MinorUnits,
      frozen: MinorUnits.openapi({ description: 'Held, and frozen by the open dispute.' }),
      releasable: MinorUnits.openapi({ description: 'Held, and not frozen.' }),
    })
    .openapi({ description: 'Where the money stands, in minor units.' }),
  items: z
    .array(
      z.object({
        id: z.string(),
        description: z.string(),
        amount: MinorUnits,
        quantity: z.int().optional(),
        status: z.enum(ITEM_STATUSES),
        deadline: z
          .object({ timer: z.enum(TIMERS).optional(), at: iso.optional() })
          .optional()
          .openapi({ description: "The item's running timer and when it fires." }),
        money: z.object({
          held: MinorUnits,
          frozen: MinorUnits,
          released: MinorUnits,
          fees: MinorUnits,
          refunded: MinorUnits,
        }),
        rejection: z.object({ reason: z.string(), at: iso.optional() }).optional(),
        returnShipment: z
          .object({ carrier: z.string(), trackingNumber: z.string(), shippedAt: iso.optional() })
          .optional(),
      }),
    )
    .optional()
    .openapi({
      description:
        "The order's items, each with its own status and money (one implicit item when the escrow was created without items). Absent on escrows from before items.",
    }),
  deadlines: z
    .partialRecord(z.enum(TIMERS), iso.optional())
    .openapi({ description: 'When each running timer fires.' }),
  inspectionExtended: z.boolean(),
  allowedActions: z
    .array(z.string())
    .openapi({ description: 'Actions this credential may take now (POST /v1/escrows/{id}/…).' }),
  payment: z
    .object({
      providerTransactionId: z.string(),
      amount: MinorUnits,
      currency: z.string(),
      paidAt: iso.optional(),
    })
    .optional(),
  shipment: z
    .object({ carrier: z.string(), trackingNumber: z.string(), shippedAt: iso.optional() })
    .optional(),
  deliveredAt: iso.optional(),
  dispute: z
    .object({
      reason: z.string(),
      details: z.string(),
      openedAt: iso.optional(),
      openedBy: z.enum(['platform', 'buyer', 'seller', 'ops']).optional(),
      items: z.array(z.string()).optional().openapi({ description: 'The items it freezes.' }),
      amount: MinorUnits.optional().openapi({ description: 'How much of their money it freezes.' }),
      escalated: z.boolean(),
      sellerResponse: z.object({ message: z.string(), at: iso.optional() }).optional(),
      resolution: z
        .object({
          outcome: z.enum(['release', 'refund', 'split']),
          sellerAmount: MinorUnits,
          buyerAmount: MinorUnits,
          at: iso.optional(),
        })
        .optional(),
    })
    .optional(),
  cancelReason: z.string().optional(),
  payout: z.object({
    status: z.enum(['not_due', 'pending', 'in_flight', 'paid', 'failed']),
    amount: MinorUnits,
    attempts: z.int(),
    payoutId: z.string().optional(),
    lastError: z.string().optional(),
  }),
  refunds: z.array(
    z.object({
      id: z.string(),
      amount: MinorUnits,
      reason: z.string(),
      status: z.enum(['pending', 'in_flight', 'succeeded', 'failed']),
      pspRefundId: z.string().optional(),
      lastError: z.string().optional(),
    }),
  ),
  needsAttention: z.boolean(),
  attentionReasons: z.array(z.string()),
};

export const EscrowSchema = z.object(escrowShape).openapi('Escrow');

export type Escrow = z.infer<typeof EscrowSchema>;

export const CreatedEscrowSchema = z
  .object({
    ...escrowShape,
    payment: z.object({
      url: z.url().openapi({ description: 'Send the buyer here to pay.' }),
      expiresAt: iso,
    }),
  })
  .openapi('CreatedEscrow', { description: 'An escrow as created, with its payment link.' });

export const ListEscrowsQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  buyerId: safeText(100).optional(),
  sellerId: safeText(100).optional(),
  reference: safeText(100).optional(),
  limit: queryInteger(1, 100).default(20).openapi({ example: 20 }),
  cursor: z
    .string()
    .regex(/^\d{1,16}\.[A-Za-z0-9_-]{1,64}$/, 'not a cursor returned by this API')
    .transform((cursor) => {
      const [micros = '0', id = ''] = cursor.split('.');
      return { createdAtMicros: BigInt(micros), id };
    })
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page.' }),
});

export const EscrowListSchema = z
  .object({ data: z.array(EscrowSchema), ...PageInfo })
  .openapi('EscrowList');

export const EventsQuery = z.strictObject({
  after: queryInteger(0, 2_147_483_647)
    .default(0)
    .openapi({ description: 'Only events after this sequence number (absent: from the first).' }),
  limit: queryInteger(1, 500).default(100),
});

export const EscrowEventSchema = z
  .object({
    seq: z.int(),
    type: z.string().openapi({ example: 'payment_confirmed' }),
    status: z.enum(STATUSES),
    data: z.record(z.string(), z.unknown()),
    occurredAt: iso,
  })
  .openapi('EscrowEvent');

export const EscrowEventListSchema = z
  .object({
    data: z.array(EscrowEventSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `after` for the next page; null on the last page.' }),
  })
  .openapi('EscrowEventList');
