import { type ChildProcess, spawn } from 'node:child_process';
import { repoRoot } from './paths.js';
import { forwardLines, spawnWatched } from './watchdog.js';

/**
 * Runs a TypeScript entry point in its own Node process (tsx loader), lines to `onLine`. By
 * default under the watchdog: it stops (SIGTERM, its clean shutdown) when we are gone, even by
 * SIGKILL. `watched: false` gives the service's own process, for a test that SIGKILLs it.
 */
export function spawnService(
  entry: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  { watched = true }: { watched?: boolean } = {},
): ChildProcess {
  const args = ['--import', 'tsx', entry];
  const child = watched
    ? spawnWatched(process.execPath, args, { stopSignal: 'TERM', env, cwd: repoRoot })
    : spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  forwardLines(child, onLine);
  return child;
}

/** Polls a URL until it answers 2xx. */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null)
      throw new Error(`process serving ${url} exited (code ${child.exitCode})`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not become ready within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
