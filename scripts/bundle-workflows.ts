import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { tracedBundlePath } from '../infra/temporal-tracing.js';
import { workflowBundleOptions } from '../infra/workflow-bundle.js';

// Prebuilds the workflow bundles for production images, so workers start without webpack: the
// plain one, and its traced twin that a worker with tracing on loads instead.
const target = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
await mkdir(dirname(target), { recursive: true });
for (const traced of [false, true]) {
  const { code } = await bundleWorkflowCode(workflowBundleOptions(traced));
  const path = traced ? tracedBundlePath(target) : target;
  await writeFile(path, code);
  process.stdout.write(`workflow bundle written to ${path}\n`);
}
