import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../infra/config.js';

const composeFile = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));
const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

/** Every secret docker-compose.yml requires (`${VAR:?…}`): no defaults, no placeholders. */
const SECRETS: Record<string, string> = {
  ESCROW_DB_PASSWORD: 'escrow-db-password',
  TEMPORAL_DB_PASSWORD: 'temporal-db-password',
  VNPAY_TMN_CODE: 'TESTMRCH',
  VNPAY_HASH_SECRET: 'test-hash-secret-0123456789abcdef',
  PAYOS_PAYOUT_CLIENT_ID: 'payout-client',
  PAYOS_PAYOUT_API_KEY: 'payout-api-key-0123456789',
  PAYOS_PAYOUT_CHECKSUM_KEY: 'payout-checksum-key-0123456789',
  OPS_API_KEY: 'ops-key-0123456789abcdef',
  TOKEN_SECRET: 'token-secret-0123456789abcdef0123456789',
  OPS_SESSION_SECRET: 'ops-session-secret-0123456789abcdef0123',
  CASE_SIGNING_KEY: Buffer.alloc(32, 5).toString('base64'),
  CREDENTIALS_KEY: Buffer.alloc(32, 1).toString('base64'),
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 2).toString('base64')}`,
};
/** This process's environment without any of the secrets (an .env file aside). */
const withoutSecrets = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !(name in SECRETS)),
);
const compose = (args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync('docker-compose', ['-f', composeFile, ...args], { encoding: 'utf8', env });

interface Service {
  image?: string;
  read_only?: boolean;
  tmpfs?: string[] | string;
  environment?: Record<string, string>;
  build?: { context: string; target?: string };
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

/** The configuration as docker-compose resolves it (anchors, defaults, interpolation). */
let services: Record<string, Service> = {};

// Reason for the skip: no engine runs here, and docker-compose (Debian package, installed by
// .ci/run) is what validates the file; without it there is nothing to validate with.
beforeAll(() => {
  if (!hasDockerCompose) return;
  const result = compose(['config'], { ...withoutSecrets, ...SECRETS });
  expect(result.status, result.stderr).toBe(0);
  services = (parse(result.stdout) as { services: Record<string, Service> }).services;
});

it.skipIf(!hasDockerCompose)(
  'docker-compose accepts docker-compose.yml (skipped where docker-compose is not installed)',
  () => {
    const result = compose(['config', '-q'], { ...withoutSecrets, ...SECRETS });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  },
);

it.skipIf(!hasDockerCompose)('every service waits for what it needs, healthy or done', () => {
  expect(Object.keys(services).sort()).toEqual(
    [
      'api',
      'escrow-db',
      'migrate',
      'psp-sandbox',
      'temporal',
      'temporal-db',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ].sort(),
  );
  for (const name of ['api', 'worker']) {
    expect(services[name]?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
  }
  expect(services.migrate?.depends_on?.['escrow-db']?.condition).toBe('service_healthy');
  for (const name of ['escrow-db', 'temporal-db', 'api']) {
    expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(0);
  }
  expect(Object.values(services).some((s) => s.image?.includes('temporalio/auto-setup'))).toBe(
    false,
  );
});

it.skipIf(!hasDockerCompose)('the sandbox PSP is its own image, never the production one', () => {
  for (const name of ['api', 'worker', 'migrate']) {
    expect(services[name]?.build?.target, name).toBeUndefined();
  }
  expect(services['psp-sandbox']?.build?.target).toBe('sandbox');
  expect(services['psp-sandbox']?.image).not.toBe(services.api?.image);
});

it.skipIf(!hasDockerCompose)(
  'every secret is required: without one, docker-compose refuses and names it',
  () => {
    const none = compose(['config', '-q'], withoutSecrets);
    expect(none.status).not.toBe(0);
    for (const name of Object.keys(SECRETS)) {
      const { [name]: _, ...others } = SECRETS;
      const result = compose(['config', '-q'], { ...withoutSecrets, ...others });
      expect(result.status, name).not.toBe(0);
      expect(result.stderr, name).toContain(`set ${name}`);
    }
    const text = readFileSync(composeFile, 'utf8');
    expect(text).not.toMatch(/change-me/i);
  },
);

it.skipIf(!hasDockerCompose)(
  'the engine runs read-only with a tmpfs /tmp; the worker has a health check',
  () => {
    for (const name of ['api', 'worker', 'migrate', 'psp-sandbox']) {
      expect(services[name]?.read_only, name).toBe(true);
      expect([services[name]?.tmpfs].flat(), name).toContain('/tmp');
    }
    expect(services.worker?.environment?.WORKER_HEALTH_PORT).toBe('3001');
    expect(services.worker?.healthcheck?.test.join(' ')).toContain('3001/healthz');
    expect(services.api?.environment?.ENCRYPTION_KEYS).toBe(SECRETS.ENCRYPTION_KEYS);
    expect(services.worker?.environment?.ENCRYPTION_KEYS).toBe(SECRETS.ENCRYPTION_KEYS);
  },
);

it.skipIf(!hasDockerCompose)(
  "the worker's heap is bounded to WORKER_HEAP_MIB, the API's is not",
  () => {
    // The file's default is the configuration's: YAML cannot read infra/config.ts.
    const { WORKER_HEAP_MIB } = configSchema.parse({});
    expect(services.worker?.environment?.NODE_OPTIONS).toBe(
      `--max-old-space-size=${WORKER_HEAP_MIB}`,
    );
    expect(services.api?.environment?.NODE_OPTIONS).toBeUndefined();
    const result = compose(['config'], { ...withoutSecrets, ...SECRETS, WORKER_HEAP_MIB: '1024' });
    const worker = (parse(result.stdout) as { services: Record<string, Service> }).services.worker;
    expect(worker?.environment?.NODE_OPTIONS).toBe('--max-old-space-size=1024');
    expect(worker?.environment?.WORKER_HEAP_MIB).toBe('1024');
  },
);

it.skipIf(!hasDockerCompose)('the Temporal UI decodes payloads through the API codec route', () => {
  const ui = services['temporal-ui']?.environment ?? {};
  expect(ui.TEMPORAL_CODEC_ENDPOINT).toMatch(/:3000\/codec$/);
  expect(services.api?.environment?.TEMPORAL_UI_ORIGIN).toBe(ui.TEMPORAL_CORS_ORIGINS);
});
