import { describe, expect, it } from 'vitest';
import { ORDER_REF_RAILS, RAILS } from '../../domain/rails.js';
import { parseConfig } from '../../infra/config.js';
import { createProviders } from '../../psp/from-config.js';
import { callbackUrl, RAIL_REGISTRY } from '../../psp/registry.js';

describe('the rail registry', () => {
  it('has one entry per rail, whose adapter is named after it and takes its limits’ currency', () => {
    const config = parseConfig({});
    expect(Object.keys(RAIL_REGISTRY).sort()).toEqual([...RAILS].sort());
    for (const rail of RAILS) {
      const { limits, create } = RAIL_REGISTRY[rail];
      const provider = create(config);
      expect(provider.name).toBe(rail);
      expect(provider.currencies).toEqual([limits.currency]);
      expect(limits.min).toBeLessThan(limits.max);
    }
  });

  it('only payOS cannot refund', () => {
    expect(RAILS.filter((rail) => !RAIL_REGISTRY[rail].refunds)).toEqual(['payos']);
  });

  it('ORDER_REF_RAILS are exactly the rails whose adapter keeps an order reference of its own', () => {
    // The workflow makes the payment link before the escrow's row exists only for the others.
    const config = parseConfig({});
    for (const rail of RAILS) {
      const keepsRef = RAIL_REGISTRY[rail].create(config).orderRefOf !== undefined;
      expect({ rail, keepsRef }).toEqual({ rail, keepsRef: ORDER_REF_RAILS.has(rail) });
    }
  });

  it('createProviders gives the enabled rails in PAYMENT_RAILS order', () => {
    const providers = createProviders(parseConfig({ PAYMENT_RAILS: 'zalopay,vnpay' }));
    expect(providers.map((p) => p.name)).toEqual(['zalopay', 'vnpay']);
  });

  it('callbacks are /v1/psp/{rail}/callback on the public base URL', () => {
    const config = parseConfig({ PUBLIC_BASE_URL: 'https://escrow.example.vn/' });
    expect(callbackUrl(config, 'momo')).toBe('https://escrow.example.vn/v1/psp/momo/callback');
  });

  it('claimedRef reads the order reference each rail’s callback names, and nothing from junk', () => {
    const post = (body: unknown) => ({ method: 'POST', query: {}, body: JSON.stringify(body) });
    const embed = JSON.stringify({ txnRef: 'esc_z' });
    expect(RAIL_REGISTRY.vnpay.claimedRef({ method: 'GET', query: { vnp_TxnRef: 'esc_v' } })).toBe(
      'esc_v',
    );
    expect(RAIL_REGISTRY.momo.claimedRef(post({ orderId: 'esc_m' }))).toBe('esc_m');
    expect(
      RAIL_REGISTRY.zalopay.claimedRef(post({ data: JSON.stringify({ embed_data: embed }) })),
    ).toBe('esc_z');
    expect(RAIL_REGISTRY.payos.claimedRef(post({ data: { orderCode: 123 } }))).toBe('123');
    for (const rail of RAILS) {
      expect(RAIL_REGISTRY[rail].claimedRef({ method: 'POST', query: {}, body: 'not json' })).toBe(
        undefined,
      );
    }
  });
});
