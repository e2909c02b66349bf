import { getHeapStatistics } from 'node:v8';
import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../infra/config.js';
import {
  tracedBundlePath,
  workerTracing,
  workflowInterceptorModules,
} from '../infra/temporal-tracing.js';
import type { Tracing } from '../infra/tracing.js';
import { PRELOADED_WORKFLOW_MODULES, WORKFLOWS_PATH } from '../infra/workflow-bundle.js';

/**
 * Memory one cached escrow workflow holds (KiB): the RSS it adds, rounded up, so the heap check
 * errs on the safe side. Measured: npm run bench:cache (plain bundle 86 KiB of heap, 206-220 KiB
 * of RSS; traced 609 / 949 KiB, its workflows hold their own OpenTelemetry modules) and
 * bench:scale (295 KiB of RSS per cached escrow, plain, before the workflow code was shared).
 */
export const CACHED_ESCROW_KIB = { plain: 300, traced: 1100 } as const;
/** Heap the worker needs besides the cache: both threads' modules, tasks in flight, GC room. */
export const HEAP_RESERVE_MIB = 256;

type SizedConfig = Pick<
  Config,
  | 'TEMPORAL_TASK_QUEUE'
  | 'WORKFLOW_BUNDLE_PATH'
  | 'WORKER_MAX_CACHED_WORKFLOWS'
  | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'
  | 'WORKER_MAX_CONCURRENT_ACTIVITIES'
  | 'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES'
>;

/** The heap this process got (V8's limit: the flag, NODE_OPTIONS or V8's own choice), in MiB. */
export const heapLimitMiB = (): number => Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);

/**
 * NODE_OPTIONS for the worker's process: its heap bounded to WORKER_HEAP_MIB, unless the options
 * given already bound it. V8's own choice follows the machine's memory (4 GiB here), and a heap
 * that far from full is collected lazily: the worker's RSS then drifts up with each burst.
 */
export function workerNodeOptions(heapMiB: number, nodeOptions = ''): string {
  if (/--max-old-space-size\b/.test(nodeOptions)) return nodeOptions;
  return `${nodeOptions} --max-old-space-size=${heapMiB}`.trim();
}

/**
 * A warning when this process's heap is not the one WORKER_HEAP_MIB asks for (started without
 * workerNodeOptions, say by hand); the limit V8 reports adds the young generation, under 128 MiB.
 */
export function heapUnbounded(
  config: Pick<Config, 'WORKER_HEAP_MIB'>,
  limitMiB = heapLimitMiB(),
): string | undefined {
  if (limitMiB <= config.WORKER_HEAP_MIB + 128) return undefined;
  return `the worker's heap limit is ${limitMiB} MiB, not WORKER_HEAP_MIB=${config.WORKER_HEAP_MIB}: start it with NODE_OPTIONS=--max-old-space-size=${config.WORKER_HEAP_MIB} to keep its memory bounded`;
}

/**
 * Why the cache cannot fit the heap, or undefined when it does. Both V8 heaps of the worker (the
 * main thread and the workflow thread that holds the cache) get the same limit.
 */
export function cacheMisfit(
  config: Pick<Config, 'WORKER_MAX_CACHED_WORKFLOWS'>,
  traced: boolean,
  limitMiB = heapLimitMiB(),
): string | undefined {
  const perEscrowKiB = CACHED_ESCROW_KIB[traced ? 'traced' : 'plain'];
  const cacheMiB = Math.ceil((config.WORKER_MAX_CACHED_WORKFLOWS * perEscrowKiB) / 1024);
  if (cacheMiB + HEAP_RESERVE_MIB <= limitMiB) return undefined;
  const fits = Math.floor(((limitMiB - HEAP_RESERVE_MIB) * 1024) / perEscrowKiB);
  return `WORKER_MAX_CACHED_WORKFLOWS=${config.WORKER_MAX_CACHED_WORKFLOWS} needs about ${cacheMiB + HEAP_RESERVE_MIB} MiB of heap (${perEscrowKiB} KiB per cached escrow${traced ? ', traced' : ''}, plus ${HEAP_RESERVE_MIB} MiB) but the heap limit is ${limitMiB} MiB: lower it to ${Math.max(0, fits)} or raise WORKER_HEAP_MIB (node's --max-old-space-size)`;
}

/**
 * The worker's bundle, interceptors, cache and slots from the configuration. Tracing picks the
 * traced bundle: a plain one keeps each cached escrow small (infra/temporal-tracing.ts).
 */
export function workerOptions(
  config: SizedConfig,
  tracing: Tracing | undefined,
): Pick<
  WorkerOptions,
  | 'taskQueue'
  | 'workflowBundle'
  | 'workflowsPath'
  | 'bundlerOptions'
  | 'interceptors'
  | 'sinks'
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
> {
  const traced = workerTracing(tracing);
  const bundle = config.WORKFLOW_BUNDLE_PATH;
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // Production images prebuild the bundles (interceptors included); development bundles from
    // source at start, with the tracing interceptors only when tracing is on.
    ...(bundle
      ? {
          workflowBundle: { codePath: tracing ? tracedBundlePath(bundle) : bundle },
          interceptors: { ...traced.interceptors },
        }
      : {
          workflowsPath: WORKFLOWS_PATH,
          bundlerOptions: { preloadModules: PRELOADED_WORKFLOW_MODULES },
          interceptors: {
            ...traced.interceptors,
            workflowModules: workflowInterceptorModules(tracing !== undefined),
          },
        }),
    sinks: traced.sinks,
    // Bounded on purpose (README, Configuration): an evicted escrow replays its short history on
    // its next task; the slots keep a timer burst from holding back creates and Updates.
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
  };
}
