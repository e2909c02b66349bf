import { createRequire } from 'node:module';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from './tracing.js';

/**
 * The workflow side of Temporal's OpenTelemetry interceptors. It only adds span context to
 * headers (no command changes; its new behaviours are behind SDK flags, so histories replay
 * with it and without it: test/workflows/replay.test.ts). Its spans leave the sandbox through
 * the `exporter` sink that `workerTracing` installs.
 */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

/**
 * The workflow interceptor modules of a bundle: the tracing ones only for a traced worker. The
 * sandbox evaluates them (about 110 OpenTelemetry modules and a tracer provider) once per
 * workflow it caches: about 0.5 MB and a third of the CPU of each new workflow's first task.
 */
export const workflowInterceptorModules = (traced: boolean): string[] =>
  traced ? [WORKFLOW_TRACING_MODULE] : [];

/** The traced twin of a prebuilt workflow bundle (scripts/bundle-workflows.ts writes both). */
export const tracedBundlePath = (bundlePath: string): string =>
  bundlePath.replace(/(\.js)?$/, '-traced.js');

/** The Temporal client's interceptors: a span around start, signal, update …, passed on in headers. */
export function clientInterceptors(tracing: Tracing | undefined): ClientInterceptors {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};
}

/**
 * A worker's tracing options: activity spans (children of the workflow's) and the sink that
 * exports the workflow spans. Off, the sink drops them, so a bundle with the workflow
 * interceptors never calls an unregistered sink.
 */
export function workerTracing(
  tracing: Tracing | undefined,
): Required<Pick<WorkerOptions, 'sinks'>> & Pick<WorkerOptions, 'interceptors'> {
  if (!tracing) return { sinks: { exporter: { export: { fn: () => {} } } } };
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
