import { writeFile } from 'node:fs/promises';
import { renderLifecycleDoc } from '../domain/lifecycle-diagram.js';

const target = new URL('../docs/lifecycle.md', import.meta.url);
await writeFile(target, renderLifecycleDoc());
process.stdout.write('docs/lifecycle.md written\n');
