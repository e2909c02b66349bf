// An escrow with items over HTTP: created with its lines, each line shown with its own status,
// deadline and money, accepted and disputed line by line.
import { expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { useApiHarness } from './harness.js';

const api = useApiHarness();

const DAY = 86_400_000;

it('an escrow with two items: one accepted by id is released, the other goes on being inspected on its own window', async () => {
  const { h, platform } = api;
  const created = await h.createEscrow(platform.apiKey, {
    items: [
      {
        id: 'camera',
        description: 'Canon AE-1',
        amount: 1_200_000,
        quantity: 1,
        inspectionWindow: 'P1D',
      },
      { id: 'bag', description: 'Camera bag', amount: 300_000, quantity: 2 },
    ],
  });
  expect(created).toMatchObject({
    status: 'awaiting_payment',
    release: 'together',
    items: [
      { id: 'camera', status: 'awaiting', amount: 1_200_000, quantity: 1, money: { held: 0 } },
      { id: 'bag', status: 'awaiting', amount: 300_000, quantity: 2, money: { held: 0 } },
    ],
  });
  await h.fund(created);
  const act = async (token: string, name: string, body: unknown = {}) => {
    const reply = await h.call('POST', `/v1/escrows/${created.id}/${name}`, { token, body });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  };
  const seller = await h.partyToken(platform.apiKey, created.id, 'seller');
  const buyer = await h.partyToken(platform.apiKey, created.id, 'buyer');
  await act(seller, 'ship', { carrier: 'GHN', trackingNumber: 'GHN1' });
  const delivered = await act(platform.apiKey, 'deliver');
  const deliveredAt = Date.parse(delivered.deliveredAt);
  expect(delivered.status).toBe('delivered');
  expect(delivered.items.map((i: { status: string }) => i.status)).toEqual([
    'inspecting',
    'inspecting',
  ]);

  const accepted = await act(buyer, 'accept', { items: ['bag'] });
  // The bag's share of the 30,000 fee: 6,000 of its 300,000.
  expect(accepted.status).toBe('delivered');
  expect(accepted.items).toMatchObject([
    { id: 'camera', status: 'inspecting' },
    { id: 'bag', status: 'released', money: { held: 0, released: 294_000, fees: 6_000 } },
  ]);
  expect(accepted.money).toMatchObject({
    funded: 1_500_000,
    released: 294_000,
    fees: 6_000,
    held: 1_200_000,
    frozen: 0,
    releasable: 1_200_000,
  });
  expect(accepted.allowedActions).toEqual(
    expect.arrayContaining(['accept', 'disputes', 'reject', 'extend-inspection']),
  );

  // The read model: each item's own status, deadline and money.
  await eventually(async () => {
    const reply = await h.call('GET', `/v1/escrows/${created.id}`, { token: platform.apiKey });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.items).toEqual([
      {
        id: 'camera',
        description: 'Canon AE-1',
        amount: 1_200_000,
        quantity: 1,
        status: 'inspecting',
        deadline: {
          timer: 'inspectionWindow',
          at: new Date(deliveredAt + DAY).toISOString(),
        },
        money: { held: 1_200_000, frozen: 0, released: 0, fees: 0, refunded: 0 },
      },
      {
        id: 'bag',
        description: 'Camera bag',
        amount: 300_000,
        quantity: 2,
        status: 'released',
        money: { held: 0, frozen: 0, released: 294_000, fees: 6_000, refunded: 0 },
      },
    ]);
    expect(reply.body.money).toMatchObject({ held: 1_200_000, frozen: 0, releasable: 1_200_000 });
    // The escrow's inspection deadline is its earliest item's: the camera's own one day.
    expect(reply.body.deadlines.inspectionWindow).toBe(new Date(deliveredAt + DAY).toISOString());
  });

  // A dispute of part of the camera freezes that much, and only that.
  const disputed = await act(buyer, 'disputes', {
    reason: 'not_as_described',
    details: 'The shutter sticks',
    items: ['camera'],
    amount: 200_000,
  });
  expect(disputed.items[0]).toMatchObject({
    id: 'camera',
    status: 'inspecting',
    money: { held: 1_200_000, frozen: 200_000 },
  });
  expect(disputed.money).toMatchObject({ frozen: 200_000, releasable: 1_000_000 });
  expect(disputed.dispute).toMatchObject({ items: ['camera'], amount: 200_000 });

  await eventually(async () => {
    const payouts = h.stack.sandbox.records
      .payouts()
      .filter((p) => p.idempotencyKey.startsWith(`escrow:${created.id}:`));
    expect(payouts.map((p) => [p.status, p.amount])).toEqual([['succeeded', '294000']]);
  });
  await eventually(async () => {
    const events = await h.call('GET', `/v1/escrows/${created.id}/events`, {
      token: platform.apiKey,
    });
    const accepted = events.body.data.find((e: { type: string }) => e.type === 'accepted');
    expect(accepted?.data).toMatchObject({ by: 'buyer', items: ['bag'] });
    const released = events.body.data.find((e: { type: string }) => e.type === 'funds_released');
    expect(released?.data).toMatchObject({ sellerAmount: 294_000, fee: 6_000, items: ['bag'] });
    const opened = events.body.data.find((e: { type: string }) => e.type === 'dispute_opened');
    expect(opened?.data).toMatchObject({ items: ['camera'], amount: 200_000 });
  });
});
