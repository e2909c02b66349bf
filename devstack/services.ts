import { type ChildProcess, spawn } from 'node:child_process';
import { configSchema } from '../infra/config.js';
import { heapFlag } from '../worker/heap.js';
import { repoRoot } from './paths.js';
import { forwardLines, spawnWatched } from './watchdog.js';

/** The worker's heap is fixed when its process starts: WORKER_HEAP_MIB of the env it gets. */
const WORKER_ENTRY = 'worker/main.ts';

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
  const heap =
    entry === WORKER_ENTRY
      ? [heapFlag(configSchema.shape.WORKER_HEAP_MIB.parse(env.WORKER_HEAP_MIB))]
      : [];
  const args = [...heap, '--import', 'tsx', entry];
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
