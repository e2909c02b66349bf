import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';

const vitestBin = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const config = fileURLToPath(new URL('./fixtures/vitest.failing.config.ts', import.meta.url));

/** Runs vitest in a child process and collects its exit code and output. */
function runVitest(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
    }
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

it('a failing test fails the run: vitest with the real global set-up exits non-zero', async () => {
  const { code, output } = await runVitest(['run', '--config', config]);
  expect(output).toContain('expected 1 to be 2');
  expect(output).toMatch(/Tests\s+1 failed/);
  expect(code).toBe(1);
}, 240_000);
