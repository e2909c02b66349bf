import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';
import { assertPortFree, freePort } from '../../devstack/ports.js';
import { ConfigError, parseConfig } from '../../infra/config.js';

describe('configuration', () => {
  it('has working defaults for local development', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'escrow',
    });
  });

  it('lists every bad variable at once, by name', () => {
    const error = (() => {
      try {
        parseConfig({
          PORT: 'abc',
          TEMPORAL_ADDRESS: 'no-port',
          DATABASE_URL: 'mysql://x/y',
          LOG_LEVEL: 'loud',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'TEMPORAL_ADDRESS', 'DATABASE_URL', 'LOG_LEVEL'])
      expect(problems).toContain(name);
  });

  it('reads the webhook retry schedule as ISO 8601 durations, like every other duration', () => {
    expect(
      parseConfig({ WEBHOOK_RETRY_SCHEDULE: 'PT5S, PT0.5S,P1DT2H' }).WEBHOOK_RETRY_SCHEDULE,
    ).toEqual([5_000, 500, 93_600_000]);
    expect(() => parseConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,5m' })).toThrow(
      /WEBHOOK_RETRY_SCHEDULE="5s,5m": 5s: not an ISO 8601 duration/,
    );
  });

  it('reconciles every hour by default, judging what is 15 minutes old; both are ISO 8601', () => {
    expect(parseConfig({})).toMatchObject({
      RECONCILE_EVERY: 3_600_000,
      RECONCILE_SETTLE_LAG: 900_000,
    });
    expect(parseConfig({ RECONCILE_EVERY: 'PT5M', RECONCILE_SETTLE_LAG: 'PT0S' })).toMatchObject({
      RECONCILE_EVERY: 300_000,
      RECONCILE_SETTLE_LAG: 0,
    });
    expect(() => parseConfig({ RECONCILE_EVERY: 'PT10S' })).toThrow(/RECONCILE_EVERY.*PT1M/);
    expect(() => parseConfig({ RECONCILE_EVERY: '1h' })).toThrow(/RECONCILE_EVERY="1h"/);
  });

  it('refuses to run in production on the public development secrets', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/OPS_API_KEY: required/);
  });

  it('OPS_KEYS names ops keys: name:key pairs, names and keys unique, ops reserved', () => {
    expect(parseConfig({}).OPS_KEYS).toEqual([]);
    const alice = 'alice-key-0123456789abcdef';
    const bob = 'bob-key-0123456789abcdef';
    expect(parseConfig({ OPS_KEYS: ` alice:${alice}, bob:${bob} ` }).OPS_KEYS).toEqual([
      { operator: 'alice', key: alice },
      { operator: 'bob', key: bob },
    ]);
    expect(() => parseConfig({ OPS_KEYS: alice })).toThrow(/OPS_KEYS=.*name:key/);
    expect(() => parseConfig({ OPS_KEYS: 'alice:short' })).toThrow(/shorter than 16/);
    expect(() => parseConfig({ OPS_KEYS: `alice:${alice},alice:${bob}` })).toThrow(/named twice/);
    expect(() => parseConfig({ OPS_KEYS: `alice:${alice},bob:${alice}` })).toThrow(/another/);
    expect(() => parseConfig({ OPS_KEYS: `ops:${alice}` })).toThrow(/OPS_API_KEY's/);
    expect(() => parseConfig({ OPS_KEYS: `Alice Smith:${alice}` })).toThrow(/OPS_KEYS=/);
  });

  it('production: named keys of 32+ characters may replace OPS_API_KEY, which then accepts nothing', () => {
    const problems = (env: Record<string, string>) => {
      try {
        parseConfig({ NODE_ENV: 'production', ...env });
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(problems({})).toContain('OPS_SESSION_SECRET: required');
    expect(problems({ OPS_KEYS: `alice:${'a'.repeat(20)}` })).toContain(
      'OPS_KEYS (alice): a named key is at least 32 characters in production',
    );
    const named = problems({ OPS_KEYS: `alice:${'a'.repeat(32)}` });
    expect(named).not.toContain('OPS_API_KEY');
    expect(named).not.toContain('OPS_KEYS');
    const complete = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/escrow',
      TEMPORAL_ADDRESS: 'temporal:7233',
      OPS_KEYS: `alice:${'a'.repeat(32)}`,
      TOKEN_SECRET: 't'.repeat(32),
      OPS_SESSION_SECRET: 's'.repeat(32),
      CREDENTIALS_KEY: Buffer.alloc(32, 3).toString('base64'),
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 4).toString('base64')}`,
      CASE_SIGNING_KEY: Buffer.alloc(32, 6).toString('base64'),
      PAYMENT_RAILS: 'payos',
      PAYOS_CLIENT_ID: 'client',
      PAYOS_API_KEY: 'k'.repeat(16),
      PAYOS_CHECKSUM_KEY: 'c'.repeat(16),
      PAYOS_PAYOUT_CLIENT_ID: 'client',
      PAYOS_PAYOUT_API_KEY: 'k'.repeat(16),
      PAYOS_PAYOUT_CHECKSUM_KEY: 'c'.repeat(16),
    };
    expect(parseConfig(complete).OPS_API_KEY).toBe('');
    expect(parseConfig({ ...complete, OPS_API_KEY: 'o'.repeat(20) }).OPS_API_KEY).toBe(
      'o'.repeat(20),
    );
  });

  it('CREDENTIALS_KEY is 32 bytes in base64, and production must bring its own', () => {
    expect(parseConfig({}).CREDENTIALS_KEY).toHaveLength(32);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(parseConfig({ CREDENTIALS_KEY: key }).CREDENTIALS_KEY).toEqual(Buffer.alloc(32, 7));
    const short = Buffer.alloc(16).toString('base64');
    expect(() => parseConfig({ CREDENTIALS_KEY: short })).toThrow(/CREDENTIALS_KEY=.*32 bytes/);
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow('CREDENTIALS_KEY: required');
  });

  it('pays out through payOS by default, and production must bring its own payout keys', () => {
    expect(parseConfig({})).toMatchObject({ PAYOUT_PROVIDER: 'payos' });
    expect(() => parseConfig({ PAYOUT_PROVIDER: 'vnpay' })).toThrow(/PAYOUT_PROVIDER="vnpay"/);
    for (const name of [
      'PAYOS_PAYOUT_CLIENT_ID',
      'PAYOS_PAYOUT_API_KEY',
      'PAYOS_PAYOUT_CHECKSUM_KEY',
    ]) {
      expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(`${name}: required`);
    }
  });

  it('enables every rail by default, VNPay first; PAYMENT_RAILS picks and orders them', () => {
    expect(parseConfig({}).PAYMENT_RAILS).toEqual(['vnpay', 'momo', 'zalopay', 'payos']);
    expect(parseConfig({ PAYMENT_RAILS: ' payos, momo,payos' }).PAYMENT_RAILS).toEqual([
      'payos',
      'momo',
    ]);
    expect(() => parseConfig({ PAYMENT_RAILS: 'momo,keypay' })).toThrow(/unknown: keypay/);
    expect(() => parseConfig({ PAYMENT_RAILS: ',' })).toThrow(/PAYMENT_RAILS/);
  });

  it('production refuses the dev credentials of every enabled rail, and only of those', () => {
    const railSecrets = {
      momo: ['MOMO_PARTNER_CODE', 'MOMO_ACCESS_KEY', 'MOMO_SECRET_KEY'],
      zalopay: ['ZALOPAY_APP_ID', 'ZALOPAY_KEY1', 'ZALOPAY_KEY2'],
      payos: ['PAYOS_CLIENT_ID', 'PAYOS_API_KEY', 'PAYOS_CHECKSUM_KEY'],
    };
    const production = (rails: string) => {
      try {
        parseConfig({ NODE_ENV: 'production', PAYMENT_RAILS: rails });
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    const all = production('vnpay,momo,zalopay,payos');
    for (const name of ['VNPAY_HASH_SECRET', ...Object.values(railSecrets).flat()]) {
      expect(all).toContain(`${name}: required`);
    }
    const momoOnly = production('momo');
    for (const name of railSecrets.momo) expect(momoOnly).toContain(`${name}: required`);
    for (const name of ['VNPAY_HASH_SECRET', ...railSecrets.zalopay, ...railSecrets.payos]) {
      expect(momoOnly).not.toContain(name);
    }
  });

  it('a process started with PORT=abc exits non-zero and names the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PORT="abc"');
  });
});

describe('ports', () => {
  it('names the port and the variable to change when a port is taken', async () => {
    const port = await freePort();
    const server = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await expect(assertPortFree(port, 'API', 'PORT')).rejects.toThrow(
        `Port ${port} (API) is already in use: set PORT to a free port.`,
      );
    } finally {
      server.close();
    }
  });
});
