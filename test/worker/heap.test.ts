import { describe, expect, it } from 'vitest';
import { heapFlag, heapMismatch } from '../../worker/heap.js';

const MiB = 2 ** 20;

describe('the worker heap check', () => {
  it('accepts the heap V8 reports for --max-old-space-size (old space plus the young generation)', () => {
    expect(heapMismatch(1024, 1024 * MiB)).toBeUndefined();
    expect(heapMismatch(1024, (1024 + 48) * MiB)).toBeUndefined();
  });

  it('refuses a worker started without the flag, naming the flag to add', () => {
    const problem = heapMismatch(1024, 4096 * MiB);
    expect(problem).toContain('4096 MiB');
    expect(problem).toContain(heapFlag(1024));
  });

  it('refuses a heap smaller than the setting', () => {
    expect(heapMismatch(1024, 512 * MiB)).toContain('512 MiB');
  });
});
