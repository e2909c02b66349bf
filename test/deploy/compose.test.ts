import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';

const composeFile = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));
const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

interface Service {
  image?: string;
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
  const result = spawnSync('docker-compose', ['-f', composeFile, 'config'], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  services = (parse(result.stdout) as { services: Record<string, Service> }).services;
});

it.skipIf(!hasDockerCompose)(
  'docker-compose accepts docker-compose.yml (skipped where docker-compose is not installed)',
  () => {
    const result = spawnSync('docker-compose', ['-f', composeFile, 'config', '-q'], {
      encoding: 'utf8',
    });
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
