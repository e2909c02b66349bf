import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal SDK is a native addon: worker threads crash it, child processes don't.
    pool: 'forks',
    // Most of a file's time is spent waiting on its servers, not on a core: two files at a time
    // even on 2 cores, where vitest's default is one (the README has the figures).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // Effects are awaited by condition, with room for a busy 2-core machine.
    expect: { poll: { timeout: 30_000 } },
  },
});
