import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
export const dataDir = join(repoRoot, '.data');
const venvBin = join(repoRoot, '.tools', 'venv', 'bin');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function requireTool(envVar: string, name: string): string {
  const found = process.env[envVar] ?? [join(venvBin, name)].find(existsSync) ?? onPath(name);
  if (!found) throw new Error(`${name} not found: run \`npm run setup\` (or set ${envVar}).`);
  return found;
}

/** The Temporal CLI (dev server + Web UI): set-up's venv first, then PATH. */
export const temporalCliPath = (): string => requireTool('TEMPORAL_CLI_PATH', 'temporal');

/** The time-skipping test server, for @temporalio/testing's `existing-path` executable. */
export const temporalTestServerPath = (): string =>
  requireTool('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
