export * from '../../workflows/index.js';
export { baselineWorkflow } from './baseline-workflow.js';
