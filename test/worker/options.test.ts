import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configSchema } from '../../infra/config.js';
import { tracedBundlePath } from '../../infra/temporal-tracing.js';
import { startTracing, type Tracing } from '../../infra/tracing.js';
import {
  CACHED_ESCROW_KIB,
  cacheMisfit,
  HEAP_RESERVE_MIB,
  heapUnbounded,
  workerNodeOptions,
  workerOptions,
} from '../../worker/options.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

describe('the cache against the heap', () => {
  const cache = (n: number) => ({ WORKER_MAX_CACHED_WORKFLOWS: n });

  it('accepts a cache that fits the heap V8 gave the process, whatever set it', () => {
    expect(cacheMisfit(cache(1000), false, 1024)).toBeUndefined();
    expect(cacheMisfit(cache(1000), false, 4144)).toBeUndefined();
  });

  it('refuses a cache that cannot fit, naming one that does', () => {
    const fits = Math.floor(((1024 - HEAP_RESERVE_MIB) * 1024) / CACHED_ESCROW_KIB.plain);
    const problem = cacheMisfit(cache(5000), false, 1024);
    expect(problem).toContain('the heap limit is 1024 MiB');
    expect(problem).toContain(`lower it to ${fits}`);
    expect(cacheMisfit(cache(fits), false, 1024)).toBeUndefined();
    expect(cacheMisfit(cache(fits + 1), false, 1024)).toBeDefined();
  });

  it('counts a traced worker’s escrows at their traced size', () => {
    expect(cacheMisfit(cache(1000), true, 1024)).toContain('traced');
  });
});

describe("the worker's heap", () => {
  it('is bounded to WORKER_HEAP_MIB in the options the worker starts with', () => {
    expect(workerNodeOptions(448)).toBe('--max-old-space-size=448');
    expect(workerNodeOptions(448, '--enable-source-maps')).toBe(
      '--enable-source-maps --max-old-space-size=448',
    );
  });

  it('keeps a bound the options already give', () => {
    expect(workerNodeOptions(448, '--max-old-space-size=2048')).toBe('--max-old-space-size=2048');
  });

  it('warns when the process runs on a heap V8 chose instead', () => {
    const config = { WORKER_HEAP_MIB: 448 };
    // V8 reports the old space plus the young generation (48 MiB here).
    expect(heapUnbounded(config, 496)).toBeUndefined();
    expect(heapUnbounded(config, 4144)).toContain('NODE_OPTIONS=--max-old-space-size=448');
  });
});

describe('the worker options', () => {
  let temporal: TestTemporal;
  let tracing: Tracing;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    tracing = startTracing('escrow-test', {
      spanProcessor: new SimpleSpanProcessor(new InMemorySpanExporter()),
    }) as Tracing;
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await temporal?.close();
  });

  // The SDK's compiled options: what the Worker really runs with.
  const compiled = async (env: Record<string, string>, traced?: Tracing) => {
    const config = configSchema.parse({
      ...env,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      // One worker per task queue: a queue of its own for each.
      TEMPORAL_TASK_QUEUE: `${temporal.taskQueue}-${randomUUID()}`,
    });
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      ...workerOptions(config, traced),
      activities: {},
    });
    // Started and shut down at once: a Worker holds its connection until it has run.
    await worker.runUntil(async () => {});
    return worker.options;
  };

  it('give the Worker the configured cache and slots', async () => {
    const options = await compiled({
      WORKER_MAX_CACHED_WORKFLOWS: '77',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '7',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '9',
      WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '11',
    });
    expect(options.maxCachedWorkflows).toBe(77);
    expect(options.tuner).toMatchObject({
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 7 },
      activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 9 },
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 11 },
    });
  });

  it('give it our defaults, not the SDK’s', async () => {
    const defaults = configSchema.parse({});
    const options = await compiled({});
    expect(options.maxCachedWorkflows).toBe(defaults.WORKER_MAX_CACHED_WORKFLOWS);
    expect(options.tuner).toMatchObject({
      workflowTaskSlotSupplier: { numSlots: defaults.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS },
      activityTaskSlotSupplier: { numSlots: defaults.WORKER_MAX_CONCURRENT_ACTIVITIES },
      localActivityTaskSlotSupplier: {
        numSlots: defaults.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      },
    });
  });

  it('run the plain bundle, and its traced twin when tracing is on', async () => {
    const bundle = inject('workflowBundlePath');
    expect((await compiled({})).workflowBundle).toEqual({ codePath: bundle });
    expect((await compiled({}, tracing)).workflowBundle).toEqual({
      codePath: tracedBundlePath(bundle),
    });
  });
});
