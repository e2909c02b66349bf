// The bundle the tests' workers run: every production workflow plus the harness's own.
export * from '../../workflows/index.js';
export { harnessPingWorkflow } from './harness-workflow.js';
