import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';
import { workflowInterceptorModules } from './temporal-tracing.js';

/** The production workflows: every workflow the worker registers. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Modules the sandbox evaluates once and shares between all cached workflows, instead of once
 * per workflow: the workflow code and the domain/ it imports. Safe because their module scope
 * holds only constants, message definitions and activity proxies (the SDK deep-freezes them, so
 * a later write would throw rather than leak between escrows). Saves about a third of the heap
 * each cached escrow holds (npm run bench:cache). The OpenTelemetry interceptors stay per
 * workflow: they set a tracer and a context manager in module variables on first use and write
 * to globalThis, which a shared module must not.
 */
export const PRELOADED_WORKFLOW_MODULES = [WORKFLOWS_PATH];

/**
 * How every workflow bundle is built: the worker's, the prebuilt production ones, the tests'
 * and the benchmarks'. `workflowsPath` is the entry (a harness may add its own workflows).
 */
export const workflowBundleOptions = (
  traced: boolean,
  workflowsPath = WORKFLOWS_PATH,
): Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules' | 'preloadModules'> => ({
  workflowsPath,
  workflowInterceptorModules: workflowInterceptorModules(traced),
  preloadModules: PRELOADED_WORKFLOW_MODULES,
});
