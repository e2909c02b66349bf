import { getHeapStatistics } from 'node:v8';

/** V8 adds the young generation (48 MiB on 64-bit Node 20) to the old-space limit it is given. */
const YOUNG_GENERATION_ALLOWANCE_MIB = 64;

/** The flag that gives the worker its heap: it must be on the node command line (or NODE_OPTIONS). */
export const heapFlag = (heapMiB: number): string => `--max-old-space-size=${heapMiB}`;

/**
 * Why this process's heap limit is not WORKER_HEAP_MIB, or undefined when it is. The cache size
 * and the memory bound are chosen for that heap: a worker started without the flag gets V8's
 * default (a quarter of the machine's memory, up to 4 GiB) and grows into it before collecting.
 */
export function heapMismatch(
  heapMiB: number,
  limitBytes = getHeapStatistics().heap_size_limit,
): string | undefined {
  const limitMiB = Math.round(limitBytes / 2 ** 20);
  if (limitMiB >= heapMiB && limitMiB <= heapMiB + YOUNG_GENERATION_ALLOWANCE_MIB) return undefined;
  return `the heap limit is ${limitMiB} MiB but WORKER_HEAP_MIB is ${heapMiB}: start the worker with node ${heapFlag(heapMiB)}`;
}
