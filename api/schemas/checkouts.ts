import { z } from '@hono/zod-openapi';
import { CHECKOUT_STATUSES, MAX_SELLERS } from '../../domain/checkout.js';
import { STATUSES } from '../../domain/lifecycle.js';
import { RAILS } from '../../domain/rails.js';
import {
  MinorUnits,
  PayoutDestinationSchema,
  safeText,
  WindowsSchema,
  withoutControlChars,
} from './common.js';
import { ItemsSchema, MAX_ITEMS } from './items.js';

const text = (max: number, example: string) => safeText(max).openapi({ example });

export const CheckoutSellerSchema = z
  .strictObject({
    sellerId: text(100, 'seller_12'),
    payoutDestination: PayoutDestinationSchema,
    fee: MinorUnits.min(0).optional().openapi({
      example: 20_000,
      description: "Platform fee kept on this seller's release, 0 ≤ fee ≤ the seller's amount.",
    }),
    items: ItemsSchema.openapi({
      description: `This seller's lines; the seller's amount (its escrow's) is their sum. At most ${MAX_ITEMS} lines in the whole cart.`,
    }),
  })
  .superRefine((seller, ctx) => {
    const amount = seller.items.reduce((total, item) => total + item.amount, 0);
    if (!Number.isSafeInteger(amount)) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'the items sum beyond 2^53 − 1' });
    } else if (seller.fee !== undefined && seller.fee > amount) {
      ctx.addIssue({
        code: 'custom',
        path: ['fee'],
        message: `fee may not exceed the seller's amount (${amount}, the sum of its items)`,
      });
    }
  })
  .openapi('CheckoutSeller');

export const CreateCheckoutBody = z
  .strictObject({
    reference: text(100, 'cart-20931').openapi({ description: "The platform's order reference." }),
    buyerId: text(100, 'buyer_778'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as VND')
      .openapi({ example: 'VND' }),
    description: text(255, 'Cart 20931'),
    refundDestination: PayoutDestinationSchema.optional().openapi({
      description:
        "The buyer's bank account, for a rail that cannot pay the buyer back itself (payOS). Required with `paymentMethod: payos`; unused otherwise.",
    }),
    paymentMethod: z.enum(RAILS).optional().openapi({
      description:
        'The rail the buyer pays the whole cart through; chosen as for `POST /v1/escrows`. The cart total must be within its limits.',
      example: 'vnpay',
    }),
    windows: WindowsSchema.optional().openapi({
      description:
        "The checkout's payment window, and every seller's escrow's shipping, delivery, inspection and dispute windows.",
    }),
    returnUrl: withoutControlChars(z.url({ protocol: /^https?$/ }).max(1000))
      .optional()
      .openapi({ description: "Where the PSP sends the buyer's browser after paying." }),
    buyerIp: z.union([z.ipv4(), z.ipv6()]).optional().openapi({
      description: "The buyer's IP address, for the PSP's fraud checks.",
      example: '203.113.152.10',
    }),
    sellers: z
      .array(CheckoutSellerSchema)
      .min(1)
      .max(MAX_SELLERS)
      .openapi({
        description: `One entry per seller (at most ${MAX_SELLERS}, each once): each becomes an escrow of its own.`,
      }),
  })
  .superRefine((body, ctx) => {
    const seen = new Map<string, number>();
    body.sellers.forEach((seller, index) => {
      const first = seen.get(seller.sellerId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sellers', index, 'sellerId'],
          message: `seller ${seller.sellerId} is already sellers[${first}]: one entry per seller`,
        });
      } else seen.set(seller.sellerId, index);
    });
    const items = body.sellers.reduce((total, seller) => total + seller.items.length, 0);
    if (items > MAX_ITEMS) {
      ctx.addIssue({
        code: 'custom',
        path: ['sellers'],
        message: `${items} items in the cart; at most ${MAX_ITEMS} altogether`,
      });
    }
  })
  .openapi('CreateCheckout', {
    example: {
      reference: 'cart-20931',
      buyerId: 'buyer_778',
      currency: 'VND',
      description: 'Cart 20931',
      sellers: [
        {
          sellerId: 'seller_12',
          payoutDestination: {
            bankCode: 'VCB',
            accountNumber: '0123456789',
            accountName: 'NGUYEN VAN A',
          },
          fee: 20_000,
          items: [{ id: 'sku-1', description: 'Canon AE-1 body', amount: 1_200_000 }],
        },
        {
          sellerId: 'seller_34',
          payoutDestination: {
            bankCode: 'TCB',
            accountNumber: '9876543210',
            accountName: 'TRAN THI B',
          },
          items: [{ id: 'sku-9', description: '50mm f/1.8 lens', amount: 800_000 }],
        },
      ],
    },
  });

export type CreateCheckoutInput = z.infer<typeof CreateCheckoutBody>;

const iso = z.string().openapi({ format: 'date-time', example: '2026-05-01T08:30:00.000Z' });
const CheckoutId = z.string().openapi({ example: 'chk_4f9a1c2b3d4e5f607182' });

export const CheckoutIdParams = z.object({
  id: withoutControlChars(z.string().min(1).max(64)).openapi({
    param: { name: 'id', in: 'path' },
    example: 'chk_4f9a1c2b3d4e5f607182',
  }),
});

const PaymentLinkSchema = z.object({
  url: z.url().openapi({ description: 'Send the buyer here to pay the whole cart.' }),
  expiresAt: iso,
});

export const CreatedCheckoutSchema = z
  .object({
    id: CheckoutId,
    payment: PaymentLinkSchema,
    escrows: z.array(
      z.object({
        id: z.string().openapi({ example: 'esc_4f9a1c2b3d4e5f607182' }),
        sellerId: z.string(),
        amount: MinorUnits,
      }),
    ),
  })
  .openapi('CreatedCheckout', {
    description:
      'The checkout as created: one payment link for the cart, one escrow per seller (each reachable at /v1/escrows/{id}).',
  });

export const CheckoutSchema = z
  .object({
    id: CheckoutId,
    platformId: z.string(),
    reference: z.string(),
    buyerId: z.string(),
    currency: z.string(),
    amount: MinorUnits.openapi({ description: "The cart's total: the one payment's amount." }),
    paymentMethod: z.enum(RAILS),
    status: z.enum(CHECKOUT_STATUSES),
    payment: PaymentLinkSchema.optional().openapi({ description: 'The payment link, once made.' }),
    paymentTransactionId: z
      .string()
      .optional()
      .openapi({ description: "The rail's id of the payment that paid the cart." }),
    createdAt: iso,
    escrows: z.array(
      z.object({
        id: z.string(),
        sellerId: z.string(),
        amount: MinorUnits,
        status: z
          .enum(STATUSES)
          .optional()
          .openapi({ description: 'Absent for a moment after the create.' }),
        money: z
          .object({
            funded: MinorUnits,
            released: MinorUnits,
            fees: MinorUnits,
            refunded: MinorUnits,
            held: MinorUnits,
          })
          .optional(),
      }),
    ),
  })
  .openapi('Checkout');
