import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const composeFile = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));
const hasDockerCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

// Reason for the skip: no engine runs here, and docker-compose (Debian package, installed by
// .ci/run) is what validates the file; without it there is nothing to validate with.
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

it.skipIf(!hasDockerCompose)('the stack waits for its dependencies and checks its health', () => {
  const result = spawnSync('docker-compose', ['-f', composeFile, 'config'], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  const config = result.stdout;
  for (const service of [
    'temporal-db',
    'temporal-schema',
    'temporal',
    'temporal-setup',
    'temporal-ui',
    'escrow-db',
    'migrate',
    'api',
    'worker',
  ]) {
    expect(config).toContain(`  ${service}:`);
  }
  expect(config).toContain('service_completed_successfully');
  expect(config).toContain('service_healthy');
  expect(config).not.toContain('temporalio/auto-setup');
});
