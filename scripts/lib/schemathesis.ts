import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repoRoot } from '../../devstack/paths.js';

/** Pinned: checks and report format change between releases. */
export const SCHEMATHESIS_VERSION = '4.32.5';

const venvBin = join(repoRoot, '.tools', 'venv', 'bin');
const binary = join(venvBin, 'schemathesis');

/**
 * The pinned schemathesis in the tools venv (made by `npm run setup`), installed from PyPI when
 * it is missing or another version. Not part of setup: only `npm run fuzz` needs it.
 */
export function ensureSchemathesis(say: (line: string) => void): string {
  const current = existsSync(binary)
    ? spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout
    : '';
  if (current.includes(`version ${SCHEMATHESIS_VERSION}`)) return binary;
  if (!existsSync(join(venvBin, 'pip'))) {
    throw new Error('.tools/venv is missing: run `npm run setup` first.');
  }
  say(`installing schemathesis ${SCHEMATHESIS_VERSION} into .tools/venv…`);
  const pip = spawnSync(
    join(venvBin, 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
    { stdio: 'inherit' },
  );
  if (pip.status !== 0) throw new Error(`pip install schemathesis failed (exit ${pip.status})`);
  return binary;
}

/** What a run reports about itself (schemathesis's JSON run report, the parts we print). */
export interface RunReport {
  exit_code: number;
  test_cases: { generated: number; with_failures: number; errored: number };
  failures: Array<{
    type: string;
    code: string;
    title: string;
    count: number;
    operations: string[];
  }>;
  errors: Array<{ title: string; count: number }>;
}

export interface RunOptions {
  schemaUrl: string;
  token: string;
  /** Extra schemathesis.toml, e.g. `[parameters]`. */
  config: string;
  configFile: string;
  reportFile: string;
  maxExamples: number;
  seed: number;
  onLine: (line: string) => void;
}

/** One `schemathesis run` with every check, every phase, as the given credential. */
export async function runSchemathesis(options: RunOptions): Promise<RunReport> {
  // Through the security scheme, not a fixed header: the missing-credential checks can drop it.
  await writeFile(
    options.configFile,
    `[auth.openapi.bearerAuth]\nbearer = "${options.token}"\n${options.config}`,
  );
  const args = [
    '--no-color',
    '--config-file',
    options.configFile,
    'run',
    options.schemaUrl,
    '--checks',
    'all',
    '--max-examples',
    String(options.maxExamples),
    '--seed',
    String(options.seed),
    '--workers',
    '1',
    '--continue-on-failure',
    '--report',
    'json',
    '--report-json-path',
    options.reportFile,
  ];
  const child = spawn(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its cache (.schemathesis/) goes with the run's throwaway files, not into the repository.
    cwd: dirname(options.configFile),
    env: {
      ...process.env,
      SCHEMATHESIS_HOOKS: join(repoRoot, 'scripts', 'lib', 'schemathesis_hooks.py'),
    },
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) options.onLine(line);
    });
  }
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  return JSON.parse(await readFile(options.reportFile, 'utf8')) as RunReport;
}
