import { describe, expect, it } from 'vitest';
import { providerForEscrow } from '../../activities/escrow-providers.js';
import { createSecretBox } from '../../infra/secret-box.js';
import { signedFields } from '../../psp/momo/protocol.js';
import { momoSignature } from '../../psp/momo/signing.js';
import { openPlatformRail } from '../../store/platform-rails.js';
import { passSince } from '../reconciliation/helpers.js';
import { eventually } from '../support/eventually.js';
import { escrowBody, expectProblem, useApiHarness } from './harness.js';

// A platform's own merchant account on MoMo: the sandbox knows this one, not the deployment's,
// so a MoMo payment here works only if the platform's credentials are the ones used.
const PLATFORM_MOMO = {
  partnerCode: 'PLATFORMMOMO',
  accessKey: 'platform-momo-access-key-7f3a',
  secretKey: 'platform-momo-secret-key-9c1e0123456789',
};
const VNPAY_SECRET = 'platform-vnpay-hash-secret-5d2b0123';
const SECRETS = [PLATFORM_MOMO.accessKey, PLATFORM_MOMO.secretKey, VNPAY_SECRET];

const api = useApiHarness({ sandboxMomo: PLATFORM_MOMO });

const railsPath = (platformId: string, rail?: string) =>
  `/v1/platforms/${platformId}/rails${rail === undefined ? '' : `/${rail}`}`;
const put = (token: string, platformId: string, rail: string, body: unknown) =>
  api.h.call('PUT', railsPath(platformId, rail), { token, body });
const list = (token: string, platformId: string) =>
  api.h.call('GET', railsPath(platformId), { token });

const expectNoSecret = (text: string) => {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
};

/** A MoMo IPN paying the escrow in full, signed with the given merchant account. */
const momoIpn = (escrowId: string, merchant: typeof PLATFORM_MOMO) => {
  const body: Record<string, string | number> = {
    partnerCode: merchant.partnerCode,
    orderId: escrowId,
    requestId: escrowId,
    amount: 1_500_000,
    orderInfo: 'Vintage camera',
    orderType: 'momo_wallet',
    transId: 4_242_424_242,
    resultCode: 0,
    message: 'Successful.',
    payType: 'qr',
    responseTime: Date.now(),
    extraData: '',
  };
  body.signature = momoSignature(
    signedFields.result,
    { ...body, accessKey: merchant.accessKey },
    merchant.secretKey,
  );
  return fetch(`${api.h.stack.apiUrl}/v1/psp/momo/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
};

describe('a platform’s rails', () => {
  it('PUT sets (ops or the platform itself), GET lists in order, DELETE removes: never a secret', async () => {
    const shop = await api.h.createPlatform('Rails shop');
    const vnpay = await put(shop.apiKey, shop.id, 'vnpay', {
      tmnCode: 'SHOPVNP1',
      hashSecret: VNPAY_SECRET,
    });
    expect(vnpay.status, vnpay.text).toBe(200);
    expect(vnpay.body).toEqual({
      rail: 'vnpay',
      position: 0,
      configuredAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const momo = await put(api.h.opsKey, shop.id, 'momo', PLATFORM_MOMO);
    expect(momo.body).toMatchObject({ rail: 'momo', position: 1 });
    // Replaced and moved behind MoMo: MoMo becomes the default.
    const moved = await put(shop.apiKey, shop.id, 'vnpay', {
      tmnCode: 'SHOPVNP1',
      hashSecret: VNPAY_SECRET,
      position: 5,
    });
    expect(moved.body).toMatchObject({ rail: 'vnpay', position: 5 });
    expect(moved.body.configuredAt).toBe(vnpay.body.configuredAt);

    for (const token of [shop.apiKey, api.h.opsKey]) {
      const listed = await list(token, shop.id);
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((r: { rail: string }) => r.rail)).toEqual(['momo', 'vnpay']);
      expectNoSecret(listed.text);
    }
    for (const reply of [vnpay, momo, moved]) expectNoSecret(reply.text);

    const removed = await api.h.call('DELETE', railsPath(shop.id, 'vnpay'), {
      token: shop.apiKey,
    });
    expect(removed.status).toBe(204);
    expect((await list(shop.apiKey, shop.id)).body.data).toMatchObject([{ rail: 'momo' }]);
    // Idempotent: removing what is not there is no error.
    expect(
      (await api.h.call('DELETE', railsPath(shop.id, 'vnpay'), { token: api.h.opsKey })).status,
    ).toBe(204);
  });

  it('another platform’s rails and unknown platforms are 404; a bad body is a 422 that echoes no secret', async () => {
    const shop = await api.h.createPlatform('Owner');
    const other = await api.h.createPlatform('Other');
    expectProblem(await list(other.apiKey, shop.id), 404, 'not-found');
    expectProblem(await put(other.apiKey, shop.id, 'momo', PLATFORM_MOMO), 404, 'not-found');
    expectProblem(
      await api.h.call('DELETE', railsPath(shop.id, 'momo'), { token: other.apiKey }),
      404,
    );
    expectProblem(await list(api.h.opsKey, 'plt_00000000000000000000'), 404, 'not-found');

    const bad = await put(shop.apiKey, shop.id, 'momo', {
      partnerCode: 'X',
      accessKey: PLATFORM_MOMO.accessKey,
      secretKey: 'short',
      hashSecret: VNPAY_SECRET,
    });
    expectProblem(bad, 422, 'validation-failed');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.hashSecret',
      'body.secretKey',
    ]);
    expectNoSecret(bad.text);
    expect((await list(shop.apiKey, shop.id)).body.data).toEqual([]);
  });

  it('at rest the row holds ciphertext only, bound to its row: moved to another platform it does not open', async () => {
    const [a, b] = await Promise.all([
      api.h.createPlatform('Sealed A'),
      api.h.createPlatform('Sealed B'),
    ]);
    for (const p of [a, b]) {
      expect((await put(api.h.opsKey, p.id, 'momo', PLATFORM_MOMO)).status).toBe(200);
    }
    const rows = await api.h.db.sql<{ platformId: string; credentials: Buffer }[]>`
      select platform_id as "platformId", credentials from platform_rails
       where platform_id in (${a.id}, ${b.id})`;
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      for (const secret of [...SECRETS, PLATFORM_MOMO.partnerCode]) {
        expect(row.credentials.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      }
    }
    const box = createSecretBox(api.h.stack.apiSettings.credentialsKey);
    expect((await openPlatformRail(api.h.db.sql, box, a.id, 'momo'))?.credentials).toEqual(
      PLATFORM_MOMO,
    );
    await api.h.db.sql`
      update platform_rails set credentials = (
        select credentials from platform_rails where platform_id = ${a.id} and rail = 'momo')
       where platform_id = ${b.id} and rail = 'momo'`;
    await expect(openPlatformRail(api.h.db.sql, box, b.id, 'momo')).rejects.toThrow(/authenticate/);
  });

  it('a platform with only MoMo: MoMo by default, VNPay is a 422 naming it; none configured: the deployment’s', async () => {
    const shop = await api.h.createPlatform('MoMo only');
    expect(await api.h.createEscrow(shop.apiKey, { paymentMethod: 'vnpay' })).toMatchObject({
      paymentMethod: 'vnpay',
    });
    await put(shop.apiKey, shop.id, 'momo', PLATFORM_MOMO);
    const refused = await api.h.call('POST', '/v1/escrows', {
      token: shop.apiKey,
      body: escrowBody({ paymentMethod: 'vnpay' }),
    });
    expectProblem(refused, 422, 'validation-failed');
    expect(refused.body.errors).toEqual([
      {
        field: 'body.paymentMethod',
        message: 'vnpay is not enabled for this platform (enabled: momo)',
      },
    ]);
    expect(await api.h.createEscrow(shop.apiKey)).toMatchObject({ paymentMethod: 'momo' });
  });
});

describe('an escrow of a platform with its own MoMo account', () => {
  it('is paid through the sandbox with those credentials, refunded on cancel, and reconciled there', async () => {
    const since = new Date(Date.now() - 1_000);
    const { platform } = api;
    await put(platform.apiKey, platform.id, 'momo', PLATFORM_MOMO);
    const escrow = await api.h.createEscrow(platform.apiKey);
    expect(escrow).toMatchObject({ paymentMethod: 'momo' });
    await api.h.fund(escrow);
    await api.h.call('POST', `/v1/escrows/${escrow.id}/cancel`, {
      token: api.h.opsKey,
      body: { reason: 'refund check' },
    });
    await eventually(async () =>
      expect(
        (await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: platform.apiKey })).body,
      ).toMatchObject({ status: 'refunded', refunds: [{ status: 'succeeded' }] }),
    );
    const { stack, db } = api.h;
    // The payment and the refund are found at the platform's merchant account, not the deployment's.
    const summary = await passSince(since, {
      sql: db.sql,
      provider: stack.provider,
      providers: stack.providers,
      providerForEscrow: providerForEscrow({
        sql: db.sql,
        credentialsKey: stack.apiSettings.credentialsKey,
        buildProvider: stack.buildProvider,
        providers: stack.providers,
      }),
      payouts: stack.payouts,
      listing: stack.listing,
      temporal: api.h.temporal.client,
      taskQueue: stack.apiSettings.taskQueue,
    });
    expect(summary).toMatchObject({ checked: 2, mismatches: 0 });
  });

  it('a callback signed with the deployment’s MoMo key is refused; the platform’s is taken', async () => {
    const { platform } = api;
    await put(platform.apiKey, platform.id, 'momo', PLATFORM_MOMO);
    const escrow = await api.h.createEscrow(platform.apiKey, { paymentMethod: 'momo' });
    const before = await api.h.snapshot(escrow.id);
    const deployment = api.h.stack.providers.find((p) => p.name === 'momo');
    const refused = await momoIpn(escrow.id, api.h.stack.railCredentials.momo);
    expect(refused.status).toBe(deployment?.acknowledge('invalid_signature').status);
    expect(await api.h.snapshot(escrow.id)).toEqual(before);

    const taken = await momoIpn(escrow.id, PLATFORM_MOMO);
    expect(taken.status).toBe(deployment?.acknowledge('confirmed').status);
    await eventually(async () => expect(await api.h.statusOf(escrow.id)).toBe('funded'));
  });
});
