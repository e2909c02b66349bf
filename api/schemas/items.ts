import { z } from '@hono/zod-openapi';
import { parseIsoDuration } from '../../domain/durations.js';
import type { ItemTerms } from '../../domain/escrow.js';
import { MinorUnits, safeText, WindowDuration } from './common.js';

/** At most this many lines in one escrow, and in one checkout altogether. */
export const MAX_ITEMS = 100;

export const ItemSchema = z
  .strictObject({
    id: safeText(64).openapi({
      example: 'sku-1',
      description: "The platform's line id, unique in the escrow.",
    }),
    description: safeText(255).openapi({ example: 'Canon AE-1 body' }),
    amount: MinorUnits.min(1).openapi({ example: 1_200_000, description: "The line's total." }),
    quantity: z.int().min(1).max(1_000_000).optional().openapi({ example: 1 }),
    inspectionWindow: WindowDuration.optional().openapi({
      description: "This item's own inspection window; the escrow's when absent.",
    }),
  })
  .openapi('Item');

export const ItemsSchema = z
  .array(ItemSchema)
  .min(1)
  .max(MAX_ITEMS)
  .superRefine((items, ctx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.id)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `duplicate item id ${item.id}`,
        });
      }
      seen.add(item.id);
    });
  })
  .openapi({
    description: `The order's lines (at most ${MAX_ITEMS}, ids unique); their amounts sum to the escrow's amount. Without items the escrow has one implicit item.`,
  });

export type ItemsInput = z.infer<typeof ItemsSchema>;

/** A 422 issue when the lines do not add up to the amount, naming the difference. */
export function checkItemsSum(
  items: ItemsInput | undefined,
  amount: number,
  ctx: z.RefinementCtx,
  path: (string | number)[],
): void {
  if (items === undefined) return;
  const sum = items.reduce((total, item) => total + BigInt(item.amount), 0n);
  const difference = sum - BigInt(amount);
  if (difference === 0n) return;
  ctx.addIssue({
    code: 'custom',
    path,
    message: `the items sum to ${sum}, ${difference > 0n ? `${difference} more` : `${-difference} less`} than the amount ${amount}`,
  });
}

/** Validated lines as terms: durations in milliseconds. */
export function itemsToTerms(items: ItemsInput): ItemTerms[] {
  return items.map(({ inspectionWindow, ...item }) => {
    const parsed = inspectionWindow === undefined ? undefined : parseIsoDuration(inspectionWindow);
    return parsed?.ok ? { ...item, inspectionWindow: parsed.ms } : item;
  });
}
