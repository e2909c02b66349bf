import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecret, sign, signedHeaders, verify } from '../../webhooks/signing.js';
import { receiverAccepts } from './receiver.js';

describe('Standard Webhooks signing', () => {
  it('makes whsec_ secrets of 32 random bytes, unique per call', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('signs so that an independent receiver accepts it', () => {
    const secret = generateSecret();
    const body = JSON.stringify({
      id: 'evt_1',
      type: 'escrow.payment_confirmed',
      data: { amount: 1 },
    });
    const headers = signedHeaders(secret, 'evt_1', body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(
      receiverAccepts(
        secret,
        {
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
        },
        body,
      ),
    ).toBe(true);
    expect(
      receiverAccepts(
        secret,
        {
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
        },
        `${body} `,
      ),
    ).toBe(false);
  });

  it('matches a signature computed by hand for a fixed key, id, time and body', () => {
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const expected = createHmac('sha256', Buffer.alloc(24, 7))
      .update('msg_abc.1700000000.{"a":1}')
      .digest('base64');
    expect(sign({ secret, id: 'msg_abc', timestamp: 1_700_000_000, body: '{"a":1}' })).toBe(
      `v1,${expected}`,
    );
  });

  describe('verify', () => {
    const secret = generateSecret();
    const body = '{"id":"evt_x","type":"escrow.shipped"}';
    const at = new Date('2025-01-01T00:00:00Z');
    const headers = signedHeaders(secret, 'evt_x', body, at);
    const lookup = (h: Record<string, string>) => (name: string) => h[name];

    it('accepts its own signature, also among several entries (rotation)', () => {
      expect(verify({ secret, header: lookup(headers), body, now: at }).ok).toBe(true);
      const rotated = {
        ...headers,
        'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}`,
      };
      expect(verify({ secret, header: lookup(rotated), body, now: at }).ok).toBe(true);
    });

    it.each([
      ['a changed body', { body: `${body}x` }, 'bad_signature'],
      ['another secret', { secret: generateSecret() }, 'bad_signature'],
      ['a stale timestamp', { now: new Date(at.getTime() + 301_000) }, 'stale_timestamp'],
      ['a future timestamp', { now: new Date(at.getTime() - 301_000) }, 'stale_timestamp'],
      ['a changed id', { header: lookup({ ...headers, 'webhook-id': 'evt_y' }) }, 'bad_signature'],
      [
        'no signature',
        { header: lookup({ ...headers, 'webhook-signature': '' }) },
        'missing_headers',
      ],
      [
        'a v1a entry only',
        { header: lookup({ ...headers, 'webhook-signature': 'v1a,abc' }) },
        'bad_signature',
      ],
      [
        'a bad timestamp',
        { header: lookup({ ...headers, 'webhook-timestamp': '12abc' }) },
        'bad_timestamp',
      ],
    ])('rejects %s', (_name, change, reason) => {
      const result = verify({ secret, header: lookup(headers), body, now: at, ...change });
      expect(result).toEqual({ ok: false, reason });
    });
  });
});
