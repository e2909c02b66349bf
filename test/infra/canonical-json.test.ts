import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../infra/canonical-json.js';
import { entryPayload } from '../../ledger/postings.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// Pinned: the ledger stores these hashes for entries already written and the API for
// idempotency keys in use. A change here makes a retry after deploy a conflict.
describe('canonicalJson output is pinned', () => {
  it('a ledger entry with bigints and nested metadata hashes as it always has', () => {
    const payload = entryPayload(
      {
        platformId: 'plt_5b0e7c1d2a3f',
        idempotencyKey: 'esc_4f9a1c2b3d4e5f607182:funding',
        kind: 'funding',
        postings: [
          {
            account: { kind: 'psp_clearing', currency: 'VND', provider: 'vnpay' },
            amount: -1_500_000n,
          },
          {
            account: {
              kind: 'escrow_holding',
              escrowId: 'esc_4f9a1c2b3d4e5f607182',
              currency: 'VND',
            },
            amount: 1_500_000n,
          },
        ],
        metadata: {
          pspTransactionId: 'vnp_14226112',
          fee: { amount: 30_000n, currency: 'VND' },
          attempts: [1n, 2n],
        },
      },
      'final',
    );
    expect(payload.requestHash).toBe(
      '841b8b9c3b2e416accc17933f55c95edb7816638af9a053d7760d2e840ab8bb1',
    );
  });

  it('sorts keys at every depth and writes bigints as strings', () => {
    const text = canonicalJson({
      z: 1,
      a: { y: 90071992547409930n, b: [3n, { d: true, c: null }] },
    });
    expect(text).toBe('{"a":{"b":["3",{"c":null,"d":true}],"y":"90071992547409930"},"z":1}');
  });

  it('keeps JSON.stringify semantics: toJSON, undefined and functions, -0, integer-like keys', () => {
    const text = canonicalJson({
      b: undefined,
      a: [undefined, () => 1],
      10: 'ten',
      9: 'nine',
      at: new Date('2026-05-01T08:30:00.000Z'),
      n: -0,
    });
    // Integer-like keys come first in ascending number order (JavaScript's own property order).
    expect(text).toBe(
      '{"9":"nine","10":"ten","a":[null,null],"at":"2026-05-01T08:30:00.000Z","n":0}',
    );
  });

  it('an API request body hashes as the idempotency keys already stored', () => {
    const body = {
      url: 'https://shop.example.com/hooks/escrow',
      windows: { shippingWindow: 'P3D', paymentWindow: 'PT30M' },
      amount: 1500000,
    };
    expect(sha256(canonicalJson(body))).toBe(
      'd1ed074c9c7f192cf89013f80cbce960a3967c554c03135cba00f6d48975f426',
    );
  });
});

/** The definition canonicalJson first had, kept here as its specification. */
const bySortingReplacer = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        ),
      );
    }
    return v;
  });

describe('canonicalJson is its original definition, written out', () => {
  const leaf = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant(() => 1),
    fc.date({ noInvalidDate: true }),
    fc.constant(new Number(5)),
    fc.constant(new String('ab')),
    fc.constant(new Map([['k', 1]])),
  );
  const key = fc.oneof(
    fc.string(),
    fc.constantFrom('0', '9', '10', '01', '-1', '4294967294', '4294967295', '__proto__', 'toJSON'),
  );
  const tree = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 5 }),
    object: fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map((entries) => {
      const object: Record<string, unknown> = {};
      for (const [k, v] of entries)
        Object.defineProperty(object, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return object;
    }),
  }));

  it('gives the same text for any value, toJSON, holes and odd keys included', () => {
    fc.assert(
      fc.property(tree.value, (value) => {
        expect(canonicalJson(value)).toBe(bySortingReplacer(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same text for whatever JSON.parse returns', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(bySortingReplacer(value));
      }),
      { numRuns: 1000 },
    );
  });
});
