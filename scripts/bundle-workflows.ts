import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE } from '../infra/temporal-tracing.js';

// Prebuilds the workflow bundle for production images, so workers start without webpack.
const target = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
const { code } = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
  workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
});
await mkdir(dirname(target), { recursive: true });
await writeFile(target, code);
process.stdout.write(`workflow bundle written to ${target}\n`);
