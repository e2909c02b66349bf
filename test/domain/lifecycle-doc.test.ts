import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { renderLifecycleDoc } from '../../domain/lifecycle-diagram.js';

it('docs/lifecycle.md matches the rules module (run `npm run docs:lifecycle` after changing the rules)', async () => {
  const committed = await readFile(new URL('../../docs/lifecycle.md', import.meta.url), 'utf8');
  expect(committed).toBe(renderLifecycleDoc());
});
